import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sayWhereToSignIn } from "../../src/cli/start.ts";
import { loadConfig } from "../../src/config.ts";
import { createHub } from "../../src/hub/hub.ts";
import { createLogger } from "../../src/logger.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";
import { captureLogger } from "../infra/capture-logger.ts";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

describe("agentops start", () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("with its port taken, says so, names PORT, and exits instead of running without its API", async () => {
    const taken = createServer();
    taken.listen(0, "127.0.0.1");
    await once(taken, "listening");
    const port = (taken.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, ["--import", "tsx", MAIN, "start"], {
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          PORT: String(port),
          HOST: "127.0.0.1",
          LOG_LEVEL: "error",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const [code] = (await once(child, "exit")) as [number | null];
      clearTimeout(timer);
      expect(stderr).toContain(`Cannot listen on 127.0.0.1:${port}: something else is listening there`);
      expect(stderr).toContain("set PORT to a free port");
      expect(code).toBe(1);
    } finally {
      taken.close();
    }
  });

  it("started at a terminal, says where the dashboard is with a sign-in link that works once", async () => {
    const config = loadConfig({ DATABASE_URL: db.url, PORT: "0", LOG_LEVEL: "silent" }, { dotenv: false });
    const hub = createHub(config, createLogger({ level: "silent" }));
    try {
      await hub.start();
      const log = captureLogger("info");
      await sayWhereToSignIn(hub, log.logger);
      const said = log.lines.find((l) => l.msg.startsWith("Dashboard: "));
      const url = /(http:\/\/\S+\/web\/login\?code=(\S+))/.exec(said?.msg ?? "");
      expect(url?.[1]).toContain(hub.url);
      expect(said?.docs).toBe(`${hub.url}/docs`);
      const signIn = () =>
        fetch(`${hub.url}/web/login`, {
          method: "POST",
          redirect: "manual",
          headers: { origin: hub.url },
          body: new URLSearchParams({ code: url?.[2] ?? "" }),
        });
      const first = await signIn();
      expect(first.status).toBe(303);
      expect(first.headers.get("set-cookie")).toMatch(/^aoh_session=/);
      expect((await signIn()).status).toBe(401);
    } finally {
      await hub.stop();
    }
  });
});
