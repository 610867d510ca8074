import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Hub, startHub } from "./harness.ts";

let hub: Hub;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await hub?.close();
});

const count = async (table: string, where = "true", params: unknown[] = []) =>
  (await hub.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params))
    .rows[0]?.n;

describe("Idempotency-Key", () => {
  it("a retried create returns the first response and creates once", async () => {
    const headers = { "idempotency-key": "create-task-1" };
    const body = { title: "only once", priority: 60 };
    const first = await hub.call("POST", "/v1/tasks", { body, headers });
    expect(first.status).toBe(201);
    // same body with its keys in another order is the same request
    const again = await hub.call("POST", "/v1/tasks", {
      body: { priority: 60, title: "only once" },
      headers,
    });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await count("tasks", "title = $1", ["only once"])).toBe(1);
    expect(
      await count("events", "event_type = 'task.created' AND entity_id = $1", [first.body.task.id]),
    ).toBe(1);
  });

  it("the same key with a different body is a 409 that says why", async () => {
    const headers = { "idempotency-key": "create-task-2" };
    const first = await hub.call("POST", "/v1/tasks", { body: { title: "first body" }, headers });
    expect(first.status).toBe(201);
    const other = await hub.call("POST", "/v1/tasks", { body: { title: "second body" }, headers });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("conflict");
    expect(other.body.error.message).toMatch(
      /Idempotency-Key "create-task-2" was already used for a different request/,
    );
    expect(await count("tasks", "title = 'second body'")).toBe(0);
  });

  it("concurrent retries with one key create one row and all get the same answer", async () => {
    const headers = { "idempotency-key": "burst-project" };
    const replies = await Promise.all(
      Array.from({ length: 12 }, () =>
        hub.call("POST", "/v1/projects", { body: { name: "Burst" }, headers }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(12).fill(201));
    const ids = new Set(replies.map((r) => r.body.project.id));
    expect(ids.size).toBe(1);
    expect(await count("projects", "name = 'Burst'")).toBe(1);
  });

  it("keys are scoped to the caller, and a failed first attempt leaves the key free", async () => {
    const key = await hub.agent("idem-agent");
    const headers = { "idempotency-key": "shared-key" };
    const a = await hub.call("POST", "/v1/tasks", { body: { title: "by admin" }, headers });
    const b = await hub.call("POST", "/v1/tasks", { key, body: { title: "by agent" }, headers });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.task.id).not.toBe(a.body.task.id);

    const failHeaders = { "idempotency-key": "fails-first" };
    const bad = await hub.call("POST", "/v1/tasks", {
      body: { title: "x", project: "Nope" },
      headers: failHeaders,
    });
    expect(bad.status).toBe(404);
    await hub.call("POST", "/v1/projects", { body: { name: "Nope" } });
    const good = await hub.call("POST", "/v1/tasks", {
      body: { title: "x", project: "Nope" },
      headers: failHeaders,
    });
    expect(good.status).toBe(201);
  });

  it("covers registration, updates, artifacts and model usage", async () => {
    const reg = { "idempotency-key": "reg-1" };
    const r1 = await hub.call("POST", "/v1/agents/register", { body: { name: "twice" }, headers: reg });
    const r2 = await hub.call("POST", "/v1/agents/register", { body: { name: "twice" }, headers: reg });
    expect(r1.status).toBe(201);
    expect(r2.body).toEqual(r1.body);
    expect(await count("api_keys", "agent_name = 'twice'")).toBe(1);

    const t = await hub.call("POST", "/v1/tasks", { body: { title: "for updates" } });
    const up = { "idempotency-key": "upd-1" };
    const body = { update_type: "note", message: "hello" };
    const u1 = await hub.call("POST", `/v1/tasks/${t.body.task.number}/updates`, { body, headers: up });
    const u2 = await hub.call("POST", `/v1/tasks/${t.body.task.number}/updates`, { body, headers: up });
    expect(u1.status).toBe(201);
    expect(u2.body).toEqual(u1.body);
    expect(await count("task_updates", "task_id = $1", [t.body.task.id])).toBe(1);

    const art = { name: "report.pdf", uri: "s3://bucket/report.pdf", task: t.body.task.number };
    const a1 = await hub.call("POST", "/v1/artifacts", {
      body: art,
      headers: { "idempotency-key": "art-1" },
    });
    const a2 = await hub.call("POST", "/v1/artifacts", {
      body: art,
      headers: { "idempotency-key": "art-1" },
    });
    expect(a1.status).toBe(201);
    expect(a2.body).toEqual(a1.body);
    expect(await count("artifacts")).toBe(1);

    const usage = { model: "m", prompt_tokens: 10, completion_tokens: 5, cost_usd: 0.01 };
    const m1 = await hub.call("POST", "/v1/model-usage", {
      body: usage,
      headers: { "idempotency-key": "use-1" },
    });
    const m2 = await hub.call("POST", "/v1/model-usage", {
      body: usage,
      headers: { "idempotency-key": "use-1" },
    });
    expect(m1.status).toBe(201);
    expect(m2.body).toEqual(m1.body);
    expect(await count("model_usage")).toBe(1);
  });
});
