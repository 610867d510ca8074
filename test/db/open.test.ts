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
