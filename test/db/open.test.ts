import { expect, it } from "vitest";
import { openDatabase } from "../../src/db/open.ts";
import { createLogger } from "../../src/logger.ts";
import { freePort } from "../helpers/ports.ts";

const logger = createLogger({ level: "silent" });
const settings = (databaseUrl: string) => ({ databaseUrl, databasePoolSize: 2, dataDir: "/nonexistent" });

it("says which database it cannot reach and why, without the password", async () => {
  const port = await freePort();
  const down = openDatabase(settings(`postgres://hub:s3cret-pw@127.0.0.1:${port}/hub`), logger);
  await expect(down).rejects.toThrow(
    `Cannot use the database at 127.0.0.1:${port}/hub (DATABASE_URL): nothing is listening there.`,
  );
  await down.catch((e: Error) => expect(e.message).not.toContain("s3cret"));

  const missing = openDatabase(settings("postgres://postgres@127.0.0.1:5432/agentops_no_such_db"), logger);
  await expect(missing).rejects.toThrow(/that database does not exist/);
});

it("keeps a second process out of an embedded database folder in use", async () => {
  const { mkdtemp, rm, writeFile } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { spawn } = await import("node:child_process");
  const dir = await mkdtemp(join(tmpdir(), "agentops-lock-"));
  // Another live process holds the folder.
  const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
  try {
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "pg"), { recursive: true });
    await writeFile(join(dir, "pg", "agentops.lock"), String(other.pid));
    const opening = openDatabase({ databaseUrl: undefined, databasePoolSize: 1, dataDir: dir }, logger);
    await expect(opening).rejects.toThrow(/in use by another AgentOps process/);
    // Once it is gone, the folder is ours.
    other.kill();
    await new Promise((r) => other.once("exit", r));
    const sql = await openDatabase({ databaseUrl: undefined, databasePoolSize: 1, dataDir: dir }, logger, {
      migrate: false,
    });
    await sql.close();
  } finally {
    other.kill();
    await rm(dir, { recursive: true, force: true });
  }
});
