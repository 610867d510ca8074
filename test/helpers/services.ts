import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";

/** A server process a test owns, so it can stop it mid-run and bring it back on the same port and data. */
export interface ServiceProcess {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** stop, and remove its data directory */
  dispose(): Promise<void>;
}

interface Spec {
  command: string;
  args: (port: number, dir: string) => string[];
  /** a line in its output that says it accepts connections */
  ready: RegExp;
  url: (port: number) => string;
}

async function startService(spec: Spec, timeoutMs = 10_000): Promise<ServiceProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "agentops-svc-"));
  let child: ChildProcess | undefined;

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(spec.command, spec.args(port, dir), { stdio: ["ignore", "pipe", "pipe"] });
      child = p;
      let out = "";
      const timer = setTimeout(() => {
        p.kill("SIGKILL");
        reject(new Error(`${spec.command} not ready after ${timeoutMs} ms:\n${out}`));
      }, timeoutMs);
      const onData = (b: Buffer) => {
        out += b.toString();
        if (spec.ready.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      p.stdout?.on("data", onData);
      p.stderr?.on("data", onData);
      p.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${spec.command} exited with ${code}:\n${out}`));
      });
    });

  const stop = async () => {
    const p = child;
    child = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once("exit", () => resolve()));
    p.kill("SIGTERM");
    const timer = setTimeout(() => p.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    url: spec.url(port),
    port,
    stop,
    async restart() {
      await stop();
      await launch();
    },
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * nats-server with JetStream, its store in a temporary directory that survives restart().
 * maxPayload: the largest message it takes (a server setting only its config file can change).
 */
export function startNatsServer(opts: { maxPayload?: number } = {}): Promise<ServiceProcess> {
  return startService({
    command: "/usr/sbin/nats-server",
    args: (port, dir) => {
      const conf: string[] = [];
      if (opts.maxPayload !== undefined) {
        const file = join(dir, "nats.conf");
        writeFileSync(file, `max_payload: ${opts.maxPayload}\n`);
        conf.push("-c", file);
      }
      return [...conf, "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", join(dir, "js")];
    },
    ready: /Server is ready/,
    url: (port) => `nats://127.0.0.1:${port}`,
  });
}

/** redis-server without persistence: a restart comes back empty, like a replaced cache node. */
export function startRedisServer(opts: { password?: string } = {}): Promise<ServiceProcess> {
  const auth = opts.password ? ["--requirepass", opts.password] : [];
  return startService({
    command: "redis-server",
    args: (port, dir) => [
      ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      ...auth,
    ],
    ready: /Ready to accept connections/,
    url: (port) => `redis://127.0.0.1:${port}`,
  });
}
