import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { createTerminalAdapter } from "../../adapters/terminal/index.ts";
import { loadConfig } from "../../src/config.ts";
import { createHub, type Hub } from "../../src/hub/hub.ts";
import { createLogger } from "../../src/logger.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";
import { waitFor } from "../helpers/wait.ts";

const ADMIN = "test-admin-key-0123456789";

async function api(hub: Hub, method: string, path: string, body?: unknown, key = ADMIN) {
  const r = await fetch(`${hub.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe("the hub, assembled", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it("runs embedded with no database, Redis or NATS configured: agents and a person work together", async () => {
    const dir = await mkdtemp(join(tmpdir(), "agentops-hub-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const config = loadConfig(
      { DATA_DIR: dir, PORT: "0", AGENTOPS_ADMIN_KEY: ADMIN, LOG_LEVEL: "silent" },
      { dotenv: false },
    );
    const input = new PassThrough();
    const output = new PassThrough();
    let screen = "";
    output.on("data", (c: Buffer) => {
      screen += c.toString();
    });
    const terminal = createTerminalAdapter({ prompt: "you> " }, { input, output });
    const hub = createHub(config, createLogger({ level: process.env.HUB_TEST_LOG ?? "silent" }), {
      extraAdapters: [terminal],
    });
    cleanups.push(() => hub.stop());
    await hub.start();
    await hub.start(); // twice is fine

    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.stringify(await ready.json())).toMatch(/embedded/);

    // The dashboard is served by the hub itself, and shows nothing without a session.
    const page = await fetch(`${hub.url}/`, { redirect: "manual" });
    expect([302, 303]).toContain(page.status);
    expect(page.headers.get("location")).toMatch(/\/web\/login/);

    // The person adds a task from the terminal.
    input.write("add a task to draft the launch email, high priority\n");
    await waitFor(() => /task \d+/i.test(screen), { what: "the Chief of Staff's reply", timeoutMs: 20_000 });
    const n = Number(/task (\d+)/i.exec(screen)?.[1]);
    const before = screen.length;

    // An agent registers, claims it over REST and completes it.
    const reg = await api(hub, "POST", "/v1/agents/register", { name: "writer", capabilities: [] });
    expect(reg.status).toBe(201);
    const key = String(reg.body.api_key);
    const claim = await api(hub, "POST", "/v1/tasks/claim", { limit: 5 }, key);
    const task = (claim.body.tasks as { number: number; claim_token: string }[]).find((t) => t.number === n);
    expect(task).toBeDefined();
    const done = await api(
      hub,
      "POST",
      `/v1/tasks/${n}/complete`,
      { claim_token: task?.claim_token, result: { ok: 1 } },
      key,
    );
    expect(done.status).toBe(200);

    // The notification reaches the terminal, through the outbox, the bus and the notifier.
    await waitFor(() => /writer.*(finished|completed|done)/i.test(screen.slice(before)), {
      what: `the completion notification in the terminal; screen was:\n${screen}`,
      timeoutMs: 20_000,
    });

    await hub.stop();
    await hub.stop(); // twice is fine
  });

  let db: TestDb | undefined;
  it("reports PostgreSQL, Redis and NATS as up when they are configured", async () => {
    db = await createTestDatabase({ migrate: false });
    cleanups.push(() => db?.drop() ?? Promise.resolve());
    const suffix = Math.random().toString(36).slice(2, 8);
    const config = loadConfig(
      {
        DATABASE_URL: db.url,
        REDIS_URL: "redis://127.0.0.1:6379",
        REDIS_KEY_PREFIX: `hubtest-${suffix}:`,
        NATS_URL: "nats://127.0.0.1:4222",
        NATS_STREAM: `HUBTEST_${suffix}`,
        NATS_SUBJECT_PREFIX: `hubtest${suffix}`,
        PORT: "0",
        AGENTOPS_ADMIN_KEY: ADMIN,
        LOG_LEVEL: "silent",
      },
      { dotenv: false },
    );
    const hub = createHub(config, createLogger({ level: "silent" }));
    cleanups.push(() => hub.stop());
    await hub.start();
    const body = await waitFor(
      async () => {
        const r = await fetch(`${hub.url}/readyz`);
        const j = (await r.json()) as Record<string, unknown>;
        return r.status === 200 && !JSON.stringify(j).includes("down") ? j : undefined;
      },
      { what: "readyz all up", timeoutMs: 15_000 },
    );
    expect(JSON.stringify(body)).not.toMatch(/embedded/);
    const p = await api(hub, "POST", "/v1/projects", { name: "Website" });
    expect(p.status).toBe(201);
    await hub.relay.drain(10_000);
    expect(await hub.relay.lag()).toBe(0);
    await hub.stop();
  });
});
