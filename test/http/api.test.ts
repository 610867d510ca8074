import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresSql } from "../../src/db/postgres.ts";
import { createLocalEventBus } from "../../src/events/local-bus.ts";
import { createHttpApp } from "../../src/http/app.ts";
import { createMemoryRateLimiter } from "../../src/infra/memory-rate-limiter.ts";
import { createLogger } from "../../src/logger.ts";
import { ADMIN_KEY, type Hub, startHub } from "./harness.ts";

let hub: Hub;
let worker: string;
beforeAll(async () => {
  hub = await startHub();
  worker = await hub.agent("worker-1", ["code", "web"]);
});
afterAll(async () => {
  await hub?.close();
});

describe("projects", () => {
  it("creates, lists, reads and changes a project", async () => {
    const c = await hub.call("POST", "/v1/projects", {
      body: { name: "Website", priority: "high", metadata: { a: 1 } },
    });
    expect(c.status).toBe(201);
    expect(c.body.project).toMatchObject({
      name: "Website",
      priority: 75,
      priority_name: "high",
      status: "active",
    });
    await hub.call("POST", "/v1/tasks", { body: { title: "landing page", project: "website" } });

    const list = await hub.call("GET", "/v1/projects");
    const row = list.body.projects.find((p: { name: string }) => p.name === "Website");
    expect(row).toMatchObject({ total_tasks: 1, pending_tasks: 1, percent_complete: 0 });

    const one = await hub.call("GET", `/v1/projects/${encodeURIComponent("website")}`);
    expect(one.body.project.id).toBe(c.body.project.id);
    expect(one.body.progress.total_tasks).toBe(1);

    const dup = await hub.call("POST", "/v1/projects", { body: { name: "website" } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toMatch(/website/i);

    const p = await hub.call("PATCH", `/v1/projects/${c.body.project.id}`, {
      body: { description: "the public site", status: "paused" },
    });
    expect(p.status).toBe(200);
    expect(p.body.project).toMatchObject({ description: "the public site", status: "paused" });
  });
});

describe("tasks", () => {
  it("lists with filters and a cursor, most important first", async () => {
    for (const [title, priority] of [
      ["low one", "low"],
      ["critical one", "critical"],
      ["medium one", 50],
    ] as const) {
      await hub.call("POST", "/v1/tasks", { body: { title, priority, assigned_to: "worker-1" } });
    }
    const page1 = await hub.call("GET", "/v1/tasks?assignee=worker-1&limit=2");
    expect(page1.status).toBe(200);
    expect(page1.body.tasks.map((t: { title: string }) => t.title)).toEqual(["critical one", "medium one"]);
    expect(page1.body.next_cursor).toBeTruthy();
    const page2 = await hub.call(
      "GET",
      `/v1/tasks?assignee=worker-1&limit=2&cursor=${encodeURIComponent(page1.body.next_cursor)}`,
    );
    expect(page2.body.tasks.map((t: { title: string }) => t.title)).toEqual(["low one"]);
    expect(page2.body.next_cursor).toBeUndefined();

    const crit = await hub.call("GET", "/v1/tasks?priority=critical&status=pending,in_progress");
    expect(crit.body.tasks.map((t: { title: string }) => t.title)).toEqual(["critical one"]);
  });

  it("lets the holder change its task with its token, and the admin assign it", async () => {
    const t = await hub.call("POST", "/v1/tasks", {
      body: { title: "editable", required_capabilities: ["code"] },
    });
    const n = t.body.task.number;
    const c = await hub.call("POST", `/v1/tasks/${n}/claim`, { key: worker });
    expect(c.status).toBe(200);
    const token = c.body.task.claim_token;
    const e = await hub.call("PATCH", `/v1/tasks/${n}`, {
      key: worker,
      body: { title: "edited", claim_token: token },
    });
    expect(e.status).toBe(200);
    expect(e.body.task.title).toBe("edited");
    const noToken = await hub.call("PATCH", `/v1/tasks/${n}`, { key: worker, body: { title: "again" } });
    expect(noToken.status).toBe(409);
    const assign = await hub.call("PATCH", `/v1/tasks/${n}`, {
      key: worker,
      body: { assigned_to: "worker-1", claim_token: token },
    });
    expect(assign.status).toBe(403);
    const admin = await hub.call("PATCH", `/v1/tasks/%23${n}`, {
      body: { assigned_to: "worker-1", priority: 90 },
    });
    expect(admin.status).toBe(200);
    expect(admin.body.task).toMatchObject({
      assigned_to: "worker-1",
      priority: 90,
      priority_name: "critical",
    });
  });

  it("a question blocks the task until the person answers", async () => {
    const t = await hub.call("POST", "/v1/tasks", { body: { title: "ask me", assigned_to: "worker-1" } });
    const c = await hub.call("POST", `/v1/tasks/${t.body.task.id}/claim`, { key: worker });
    const token = c.body.task.claim_token;
    const q = await hub.call("POST", `/v1/tasks/${t.body.task.id}/updates`, {
      key: worker,
      body: { update_type: "question", message: "Which colour?", claim_token: token },
    });
    expect(q.status).toBe(201);
    expect(q.body.update).toMatchObject({
      update_type: "question",
      message: "Which colour?",
      agent_name: "worker-1",
    });
    const blocked = await hub.call("GET", `/v1/tasks/${t.body.task.id}`, { key: worker });
    expect(blocked.body.task).toMatchObject({ status: "blocked", blocked_reason: "Which colour?" });

    const agentAnswer = await hub.call("POST", `/v1/tasks/${t.body.task.id}/updates`, {
      key: worker,
      body: { update_type: "answer", message: "blue", claim_token: token },
    });
    expect(agentAnswer.status).toBe(403);
    const a = await hub.call("POST", `/v1/tasks/${t.body.task.id}/updates`, {
      body: { update_type: "answer", message: "Blue" },
    });
    expect(a.status).toBe(201);
    expect(a.body.task.status).toBe("in_progress");
    const ups = await hub.call("GET", `/v1/tasks/${t.body.task.id}/updates`, { key: worker });
    expect(ups.body.updates.map((u: { update_type: string }) => u.update_type).sort()).toEqual([
      "answer",
      "question",
    ]);

    const done = await hub.call("POST", `/v1/tasks/${t.body.task.id}/complete`, {
      key: worker,
      body: { claim_token: token, result: { colour: "blue" } },
    });
    expect(done.status).toBe(200);
    expect(done.body.task.result).toEqual({ colour: "blue" });
  });

  it("fails and blocks with a reason; a batch reports each item", async () => {
    const mk = async (title: string) =>
      (await hub.call("POST", "/v1/tasks", { body: { title, assigned_to: "worker-1", priority: 100 } })).body
        .task;
    const [a, b] = [await mk("to fail"), await mk("to block")];
    // worker-1 has older pending tasks too: take them all, so a and b are surely among them
    const claimed = await hub.call("POST", "/v1/tasks/claim", { key: worker, body: { limit: 20 } });
    const tok = (id: string) => claimed.body.tasks.find((t: { id: string }) => t.id === id).claim_token;
    const f = await hub.call("POST", `/v1/tasks/${a.id}/fail`, {
      key: worker,
      body: { claim_token: tok(a.id), error: "boom" },
    });
    expect(f.body.task).toMatchObject({ status: "failed", error: "boom" });
    const bl = await hub.call("POST", `/v1/tasks/${b.id}/block`, {
      key: worker,
      body: { claim_token: tok(b.id), reason: "waiting" },
    });
    expect(bl.body.task).toMatchObject({ status: "blocked", blocked_reason: "waiting" });

    const batch = await hub.call("POST", "/v1/tasks/complete", {
      key: worker,
      body: {
        tasks: [
          { id: b.id, claim_token: tok(b.id), result: 1 },
          { id: a.number, claim_token: tok(b.id) },
        ],
      },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results[0]).toMatchObject({
      id: b.id,
      ok: true,
      task: { status: "completed", result: 1 },
    });
    expect(batch.body.results[1]).toMatchObject({
      id: a.number,
      ok: false,
      error: { code: "lease_conflict" },
    });
  });
});

describe("agents", () => {
  it("registers (admin only), heartbeats itself, lists", async () => {
    const r = await hub.call("POST", "/v1/agents/register", {
      body: { name: "spec-1", type: "specialist", capabilities: ["research"] },
    });
    expect(r.status).toBe(201);
    expect(r.body.api_key).toMatch(/^aoh_/);
    expect(r.body.agent).toMatchObject({ name: "spec-1", type: "specialist", capabilities: ["research"] });
    const again = await hub.call("POST", "/v1/agents/register", { body: { name: "spec-1" } });
    expect(again.status).toBe(409);

    const hb = await hub.call("POST", "/v1/agents/spec-1/heartbeat", {
      key: r.body.api_key,
      body: { status: "busy", capabilities: ["research", "web"] },
    });
    expect(hb.status).toBe(200);
    expect(hb.body.agent).toMatchObject({ status: "busy", capabilities: ["research", "web"] });
    expect(hb.body.agent.last_heartbeat_at).toBeTruthy();

    const list = await hub.call("GET", "/v1/agents", { key: r.body.api_key });
    expect(list.body.agents.map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(["spec-1", "worker-1", "cos", "seed"]),
    );
    const one = await hub.call("GET", "/v1/agents/spec-1", { key: worker });
    expect(one.body.agent.name).toBe("spec-1");

    const k = await hub.call("POST", "/v1/agents/seed/keys", { body: { label: "seed's key" } });
    expect(k.status).toBe(201);
    const seedList = await hub.call("GET", "/v1/agents/seed", { key: k.body.api_key });
    expect(seedList.status).toBe(200);
  });
});

describe("artifacts, tools, model usage", () => {
  it("round-trips each", async () => {
    const a = await hub.call("POST", "/v1/artifacts", {
      key: worker,
      body: { name: "out.txt", uri: "file:///tmp/out.txt", mime_type: "text/plain", size_bytes: 12 },
    });
    expect(a.status).toBe(201);
    const g = await hub.call("GET", `/v1/artifacts/${a.body.artifact.id}`, { key: worker });
    expect(g.body.artifact).toMatchObject({ name: "out.txt", size_bytes: 12, created_by: "worker-1" });

    const t = await hub.call("POST", "/v1/tools", {
      body: { name: "search", input_schema: { type: "object" } },
    });
    expect(t.status).toBe(200);
    const tools = await hub.call("GET", "/v1/tools", { key: worker });
    expect(tools.body.tools.map((x: { name: string }) => x.name)).toContain("search");

    const u = await hub.call("POST", "/v1/model-usage", {
      key: worker,
      body: { model: "gpt-x", prompt_tokens: 100, completion_tokens: 50, cost_usd: 0.25 },
    });
    expect(u.status).toBe(201);
    expect(u.body.usage.agent_name).toBe("worker-1");
    const other = await hub.call("POST", "/v1/model-usage", {
      key: worker,
      body: { agent: "spec-1", model: "gpt-x", prompt_tokens: 1, completion_tokens: 1, cost_usd: 0 },
    });
    expect(other.status).toBe(403);
    const s = await hub.call("GET", "/v1/model-usage/summary");
    expect(s.body.summary.total).toMatchObject({ calls: 1, prompt_tokens: 100, completion_tokens: 50 });
    expect(s.body.summary.by_agent[0]).toMatchObject({ agent_name: "worker-1" });
  });
});

describe("operations", () => {
  it("serves OpenAPI at /docs", async () => {
    const d = await hub.call("GET", "/docs/json", { key: null });
    expect(d.status).toBe(200);
    expect(Object.keys(d.body.paths)).toEqual(
      expect.arrayContaining(["/v1/tasks/claim", "/v1/tasks/{id}/complete", "/v1/events/stream"]),
    );
    const ui = await hub.call("GET", "/docs", { key: null });
    expect(ui.status).toBeLessThan(400);
  });

  it("reports metrics to loopback, and asks a proxied caller for the admin key", async () => {
    const m = await hub.call("GET", "/metrics", { key: null });
    expect(m.status).toBe(200);
    expect(m.text).toMatch(/agentops_http_request_duration_seconds_bucket\{.*route="\/v1\/tasks"/);
    expect(m.text).toMatch(/agentops_tasks\{status="pending"\}/);
    expect(m.text).toMatch(/agentops_outbox_lag \d+/);
    expect(m.text).toMatch(/agentops_outbox_set_aside 0/);
    expect(m.text).toMatch(/agentops_tasks_claimed_total/);
    const proxied = await hub.call("GET", "/metrics", {
      key: null,
      headers: { "x-forwarded-for": "203.0.113.9" },
    });
    expect(proxied.status).toBe(401);
    const agent = await hub.call("GET", "/metrics", {
      key: worker,
      headers: { "x-forwarded-for": "203.0.113.9" },
    });
    expect(agent.status).toBe(403);
    const admin = await hub.call("GET", "/metrics", {
      key: ADMIN_KEY,
      headers: { "x-forwarded-for": "203.0.113.9" },
    });
    expect(admin.status).toBe(200);
  });

  it("readyz is 503 when the database is down; healthz stays up", async () => {
    const logger = createLogger({ level: "silent" });
    const dead = createPostgresSql("postgres://postgres@127.0.0.1:1/none");
    const app = createHttpApp({
      sql: dead,
      config: hub.config,
      logger,
      rateLimiter: createMemoryRateLimiter(),
      bus: createLocalEventBus(logger),
    });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: "not_ready", checks: { database: "down" } });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const tasks = await fetch(`${url}/v1/tasks`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(tasks.status).toBe(503);
      expect((await tasks.json()).error.code).toBe("unavailable");
    } finally {
      await app.close();
      await dead.close();
    }
  });

  it("rate limits per key with 429 and Retry-After", async () => {
    const limited = await startHub({ config: { rateLimitPerMinute: 3 } });
    try {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof limited.call>> | undefined;
      for (let i = 0; i < 4; i++) {
        last = await limited.call("GET", "/v1/tools");
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(last?.body.error).toMatchObject({ code: "rate_limited" });
      expect(last?.body.error.message).toMatch(/3 per minute/);
    } finally {
      await limited.close();
    }
  });
});
