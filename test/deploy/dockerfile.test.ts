import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { freePort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";

// No Docker engine runs here: the Dockerfile is read for the properties a deployment relies
// on, and the command it runs is started the way the container would start it.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

async function readDockerfile(): Promise<Instruction[]> {
  const text = (await readFile(join(ROOT, "Dockerfile"), "utf8")).replace(/\\\n/g, " ");
  let stage = -1;
  const out: Instruction[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [op = "", ...rest] = line.split(/\s+/);
    if (op.toUpperCase() === "FROM") stage += 1;
    out.push({ op: op.toUpperCase(), args: rest.join(" "), stage });
  }
  return out;
}

describe("Dockerfile", () => {
  it("is multi-stage on Node 20 slim, production dependencies only, non-root, with a health check", async () => {
    const ins = await readDockerfile();
    const froms = ins.filter((i) => i.op === "FROM");
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f.args).toMatch(/^node:20-slim\b/);
    const last = froms.length - 1;
    const runtime = ins.filter((i) => i.stage === last);
    expect(ins.some((i) => i.op === "RUN" && /npm ci\b.*--omit=dev/.test(i.args))).toBe(true);
    expect(runtime.some((i) => i.op === "COPY" && /--from=\w+ .*node_modules/.test(i.args))).toBe(true);
    const user = runtime.filter((i) => i.op === "USER").at(-1);
    expect(user?.args).toBeDefined();
    expect(user?.args).not.toMatch(/^(root|0)$/);
    expect(runtime.find((i) => i.op === "HEALTHCHECK")?.args).toMatch(/\/healthz/);
    expect(runtime.find((i) => i.op === "STOPSIGNAL")?.args).toBe("SIGTERM");
    expect(runtime.find((i) => i.op === "ENV")?.args).toMatch(/NODE_ENV=production/);
  });

  it("runs a hub that answers /healthz and stops cleanly on SIGTERM", { timeout: 120_000 }, async () => {
    const ins = await readDockerfile();
    const cmd = JSON.parse(ins.filter((i) => i.op === "CMD").at(-1)?.args ?? "[]") as string[];
    expect(cmd[0]).toBe("node");
    const dir = await mkdtemp(join(tmpdir(), "agentops-docker-"));
    const port = await freePort();
    const child = spawn(process.execPath, cmd.slice(1), {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATA_DIR: dir,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stdout.on("data", (c: Buffer) => {
      log += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      log += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok,
        { what: `/healthz (log so far: ${log.slice(-500)})`, timeoutMs: 45_000, intervalMs: 200 },
      );
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(log).toMatch(/AgentOps hub stopped/);
    } finally {
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
