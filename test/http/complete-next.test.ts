import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentOpsClient } from "../../src/sdk/index.ts";
import { type Hub, startHub } from "./harness.ts";

// An agent's loop in one round trip per task: complete this one, get the next.
let hub: Hub;
let worker: string;
beforeAll(async () => {
  hub = await startHub();
  worker = await hub.agent("looper", ["code"]);
});
afterAll(async () => {
  await hub?.close();
});

describe("completing with next", () => {
  it("completes the task and claims the next ones for the caller in the same request", async () => {
    await hub.call("POST", "/v1/projects", { body: { name: "Loop" } });
    for (const title of ["first", "second", "third"]) {
      await hub.call("POST", "/v1/tasks", { body: { title, project: "Loop", priority: 60 } });
    }
    const c = await hub.call("POST", "/v1/tasks/claim", { key: worker, body: { projects: ["Loop"] } });
    const first = c.body.tasks[0];
    expect(first.title).toBe("first");

    const r = await hub.call("POST", `/v1/tasks/${first.id}/complete`, {
      key: worker,
      body: { claim_token: first.claim_token, result: { ok: 1 }, next: { projects: ["Loop"], limit: 5 } },
    });
    expect(r.status).toBe(200);
    expect(r.body.task).toMatchObject({ id: first.id, status: "completed", result: { ok: 1 } });
    expect(r.body.next_tasks.map((t: { title: string }) => t.title)).toEqual(["second", "third"]);
    for (const t of r.body.next_tasks) {
      expect(t).toMatchObject({ status: "in_progress", claimed_by: "looper" });
      expect(t.claim_token).toMatch(/^[0-9a-f-]{36}$/);
    }

    // nothing left: the completion still answers, with an empty list
    const [second, third] = r.body.next_tasks;
    await hub.call("POST", `/v1/tasks/${second.id}/complete`, {
      key: worker,
      body: { claim_token: second.claim_token },
    });
    const last = await hub.call("POST", `/v1/tasks/${third.id}/complete`, {
      key: worker,
      body: { claim_token: third.claim_token, next: { projects: ["Loop"] } },
    });
    expect(last.body).toMatchObject({ task: { status: "completed" }, next_tasks: [] });
  });

  it("keeps the completion when claiming the next fails, and says why", async () => {
    const t = await hub.call("POST", "/v1/tasks", { body: { title: "solo", assigned_to: "looper" } });
    const c = await hub.call("POST", `/v1/tasks/${t.body.task.id}/claim`, { key: worker });
    const r = await hub.call("POST", `/v1/tasks/${t.body.task.id}/complete`, {
      key: worker,
      body: { claim_token: c.body.task.claim_token, next: { projects: ["no such project"] } },
    });
    expect(r.status).toBe(200);
    expect(r.body.task.status).toBe("completed");
    expect(r.body.next_tasks).toEqual([]);
    expect(r.body.next_error.code).toBe("not_found");
  });

  it("refuses next from the admin, and a stale token claims nothing", async () => {
    const t = await hub.call("POST", "/v1/tasks", { body: { title: "admin's", assigned_to: "looper" } });
    const admin = await hub.call("POST", `/v1/tasks/${t.body.task.id}/complete`, { body: { next: {} } });
    expect(admin.status).toBe(400);
    expect(admin.body.error.message).toMatch(/next/);

    await hub.call("POST", "/v1/tasks", { body: { title: "waiting", assigned_to: "looper" } });
    const stale = await hub.call("POST", `/v1/tasks/${t.body.task.id}/complete`, {
      key: worker,
      body: { claim_token: "00000000-0000-4000-8000-000000000000", next: {} },
    });
    expect([403, 409]).toContain(stale.status);
    const pending = await hub.call("GET", "/v1/tasks?status=pending&assignee=looper");
    expect(pending.body.tasks.map((x: { title: string }) => x.title)).toEqual(
      expect.arrayContaining(["admin's", "waiting"]),
    );
  });

  it("is in the SDK as completeAndClaimNext", async () => {
    await hub.call("POST", "/v1/tasks", { body: { title: "sdk one", assigned_to: "looper" } });
    await hub.call("POST", "/v1/tasks", { body: { title: "sdk two", assigned_to: "looper" } });
    const me = new AgentOpsClient({ baseUrl: hub.url, apiKey: worker });
    const [t] = await me.claim({ limit: 1 });
    if (!t) throw new Error("expected a task");
    const r = await me.completeAndClaimNext(t.id, t.claim_token, { done: true });
    expect(r.task.status).toBe("completed");
    expect(r.next).toHaveLength(1);
    expect(r.next[0]?.claimed_by).toBe("looper");
    expect(r).not.toHaveProperty("nextError");
  });
});

describe("the answers built by Postgres", () => {
  it("show each task exactly as GET /v1/tasks/:id does", async () => {
    const agent = await hub.agent("mirror", ["mirror"]);
    await hub.call("POST", "/v1/projects", { body: { name: "Mirror" } });
    for (const title of ["m1", "m2", "m3", "m4"]) {
      await hub.call("POST", "/v1/tasks", {
        body: { title, project: "Mirror", input: { b: 1, a: [2] }, required_capabilities: ["mirror"] },
      });
    }
    const get = async (id: string) => (await hub.call("GET", `/v1/tasks/${id}`)).body.task;
    const claimed = (await hub.call("POST", "/v1/tasks/claim", { key: agent, body: { limit: 4 } })).body
      .tasks;
    expect(claimed).toHaveLength(4);
    for (const t of claimed) {
      const { claim_token, ...task } = t;
      expect(task).toEqual(await get(t.id));
      expect(claim_token).toMatch(/^[0-9a-f-]{36}$/);
    }
    const [a, b, c, d] = claimed;
    const one = await hub.call("POST", `/v1/tasks/${a.id}/complete`, {
      key: agent,
      body: { claim_token: a.claim_token, result: { z: 1, y: [true] } },
    });
    expect(one.body.task).toEqual(await get(a.id));
    const withNext = await hub.call("POST", `/v1/tasks/${b.id}/complete`, {
      key: agent,
      body: { claim_token: b.claim_token, next: {} },
    });
    expect(withNext.body).toEqual({ task: await get(b.id), next_tasks: [] });
    const batch = await hub.call("POST", "/v1/tasks/complete", {
      key: agent,
      body: {
        tasks: [
          { id: c.id, claim_token: c.claim_token, result: "done" },
          { id: d.number, claim_token: d.claim_token },
          { id: d.id, claim_token: d.claim_token },
        ],
      },
    });
    expect(batch.body.results).toEqual([
      { id: c.id, ok: true, task: await get(c.id) },
      { id: d.number, ok: true, task: await get(d.id) },
      { id: d.id, ok: false, error: expect.objectContaining({ code: "conflict" }) },
    ]);
  });
});

describe("Prefer: return=minimal on a batch completion", () => {
  it("answers each item's outcome without the task, and completes them all the same", async () => {
    const agent = await hub.agent("minimal", ["minimal"]);
    for (const title of ["n1", "n2", "n3"]) {
      await hub.call("POST", "/v1/tasks", { body: { title, required_capabilities: ["minimal"] } });
    }
    const claimed = (await hub.call("POST", "/v1/tasks/claim", { key: agent, body: { limit: 3 } })).body
      .tasks;
    const [a, b, c] = claimed;
    const r = await hub.call("POST", "/v1/tasks/complete", {
      key: agent,
      headers: { prefer: "respond-async, return=minimal" },
      body: {
        tasks: [
          { id: a.id, claim_token: a.claim_token, result: 1 },
          { id: b.number, claim_token: c.claim_token },
          { id: c.id, claim_token: c.claim_token },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("preference-applied")).toBe("return=minimal");
    expect(r.body.results).toEqual([
      { id: a.id, ok: true },
      { id: b.number, ok: false, error: expect.objectContaining({ code: "lease_conflict" }) },
      { id: c.id, ok: true },
    ]);
    const statuses = await Promise.all(
      [a, b, c].map(async (t) => (await hub.call("GET", `/v1/tasks/${t.id}`)).body.task.status),
    );
    expect(statuses).toEqual(["completed", "in_progress", "completed"]);

    // the SDK's way to ask for it
    const sdk = new AgentOpsClient({ baseUrl: hub.url, apiKey: agent });
    const results = await sdk.completeManyMinimal([{ id: b.id, claim_token: b.claim_token }]);
    expect(results).toEqual([{ id: b.id, ok: true }]);
  });
});

describe("a batch completion with next", () => {
  it("completes the batch, then claims the caller's next batch in the same request", async () => {
    const agent = await hub.agent("batcher", ["batch"]);
    for (let i = 1; i <= 5; i++) {
      await hub.call("POST", "/v1/tasks", { body: { title: `b${i}`, required_capabilities: ["batch"] } });
    }
    const first = (await hub.call("POST", "/v1/tasks/claim", { key: agent, body: { limit: 2 } })).body.tasks;
    const r = await hub.call("POST", "/v1/tasks/complete", {
      key: agent,
      headers: { prefer: "return=minimal" },
      body: {
        tasks: first.map((t: { id: string; claim_token: string }) => ({
          id: t.id,
          claim_token: t.claim_token,
        })),
        next: { limit: 2 },
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual(first.map((t: { id: string }) => ({ id: t.id, ok: true })));
    expect(r.body.next_tasks.map((t: { title: string }) => t.title)).toEqual(["b3", "b4"]);
    for (const t of r.body.next_tasks) {
      expect(t).toMatchObject({ status: "in_progress", claimed_by: "batcher" });
      expect(t.claim_token).toMatch(/^[0-9a-f-]{36}$/);
    }
    for (const t of first) {
      expect((await hub.call("GET", `/v1/tasks/${t.id}`)).body.task.status).toBe("completed");
    }

    // the SDK's batch loop: the last one, then nothing left
    const sdk = new AgentOpsClient({ baseUrl: hub.url, apiKey: agent });
    const items = r.body.next_tasks.map((t: { id: string; claim_token: string }) => ({
      id: t.id,
      claim_token: t.claim_token,
      result: { n: t.id },
    }));
    const second = await sdk.completeManyAndClaimNext(items, { limit: 5 });
    expect(second.results.every((x) => x.ok)).toBe(true);
    expect(second.next.map((t) => t.title)).toEqual(["b5"]);
    const last = second.next[0];
    if (!last) throw new Error("expected b5");
    const third = await sdk.completeManyAndClaimNext([{ id: last.id, claim_token: last.claim_token }]);
    expect(third).toEqual({ results: [{ id: last.id, ok: true }], next: [] });
  });

  it("keeps the completions when the claim fails, and refuses next from the admin", async () => {
    const agent = await hub.agent("batcher2", ["batch2"]);
    await hub.call("POST", "/v1/tasks", { body: { title: "c1", required_capabilities: ["batch2"] } });
    const [t] = (await hub.call("POST", "/v1/tasks/claim", { key: agent, body: {} })).body.tasks;
    const r = await hub.call("POST", "/v1/tasks/complete", {
      key: agent,
      body: { tasks: [{ id: t.id, claim_token: t.claim_token }], next: { projects: ["no such project"] } },
    });
    expect(r.status).toBe(200);
    expect(r.body.results[0]).toMatchObject({ id: t.id, ok: true, task: { status: "completed" } });
    expect(r.body.next_tasks).toEqual([]);
    expect(r.body.next_error.code).toBe("not_found");

    const admin = await hub.call("POST", "/v1/tasks/complete", {
      body: { tasks: [{ id: t.id }], next: {} },
    });
    expect(admin.status).toBe(400);
    expect(admin.body.error.message).toMatch(/next/);
  });
});
