import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "agentops-cli-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** `agentops ARGS` on the embedded database in a folder of its own. */
async function agentops(dataDir: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  for (const k of ["DATABASE_URL", "REDIS_URL", "NATS_URL", "LOG_LEVEL"]) delete env[k];
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe("agentops one-shot commands", () => {
  it("a mistake in the arguments gets the usage, before any database is opened or created", async () => {
    const dir = join(home, "untouched");
    const missing = await agentops(dir, "agent");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("Usage: agentops agent add NAME");
    const unknown = await agentops(dir, "migrate", "--force");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--force'");
    expect(unknown.stderr).toContain("Usage: agentops migrate");
    const extra = await agentops(dir, "backup", "a.json", "b.json");
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain("Usage: agentops backup FILE");
    expect(existsSync(dir)).toBe(false);
  });

  it("prints its result alone: no log lines around the key it shows once", async () => {
    const r = await agentops(join(home, "hub"), "agent", "add", "researcher", "--capabilities", "web");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Registered agent researcher\.\nAPI key \(shown once, keep it secret\):\naoh_\S+\n$/,
    );
    expect(r.stderr).toBe("");
  });
});
