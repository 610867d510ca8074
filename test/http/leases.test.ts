import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reapExpiredLeases } from "../../src/core/task-leases.ts";
import { waitFor } from "../helpers/wait.ts";
import { type Hub, startHub } from "./harness.ts";

let hub: Hub;
let alpha: string;
let beta: string;

beforeAll(async () => {
  hub = await startHub({ config: { leaseSeconds: 1 } });
  alpha = await hub.agent("alpha");
  beta = await hub.agent("beta");
});
afterAll(async () => {
  await hub?.close();
});

const createTask = async (title: string, extra: Record<string, unknown> = {}) => {
  const r = await hub.call("POST", "/v1/tasks", { body: { title, ...extra } });
  expect(r.status).toBe(201);
  return r.body.task as { id: string; number: number };
};

describe("leases", () => {
  it("hands a crashed agent's task to another once the lease expires; the old holder gets a 409 naming the holder", async () => {
    const task = await createTask("crash me", { priority: 100 });
    const a = await hub.call("POST", `/v1/tasks/${task.number}/claim`, { key: alpha });
    expect(a.status).toBe(200);
    const alphaToken = a.body.task.claim_token as string;

    // alpha "crashes": no heartbeat. The reaper (here called directly) requeues once the lease lapses.
    await waitFor(
      async () => (await reapExpiredLeases(hub.db.sql, {})).requeued.some((t) => t.id === task.id),
      { what: "the lease to expire and be reaped", timeoutMs: 10_000, intervalMs: 100 },
    );

    const b = await hub.call("POST", "/v1/tasks/claim", { key: beta, body: { limit: 1 } });
    expect(b.status).toBe(200);
    expect(b.body.tasks.map((t: { id: string }) => t.id)).toEqual([task.id]);
    const betaToken = b.body.tasks[0].claim_token as string;
    expect(b.body.tasks[0].attempts).toBe(2);

    const late = await hub.call("POST", `/v1/tasks/${task.id}/complete`, {
      key: alpha,
      body: { claim_token: alphaToken, result: { by: "alpha" } },
    });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("lease_conflict");
    expect(late.body.error.message).toMatch(/held by beta/);
    expect(late.body.error.message).toMatch(/lease ends at \d\d:\d\d:\d\d UTC/);
    expect(late.body.error.details.holder).toBe("beta");

    const ok = await hub.call("POST", `/v1/tasks/${task.id}/complete`, {
      key: beta,
      body: { claim_token: betaToken, result: { by: "beta" } },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.task.status).toBe("completed");
    expect(ok.body.task.result).toEqual({ by: "beta" });

    const stored = await hub.call("GET", `/v1/tasks/${task.number}`, { key: alpha });
    expect(stored.body.task.result).toEqual({ by: "beta" });
    expect(stored.body.task.claimed_by).toBe("beta");
  });

  it("extends a lease with a heartbeat", async () => {
    const task = await createTask("keep me", { priority: 100 });
    const a = await hub.call("POST", `/v1/tasks/${task.id}/claim`, { key: alpha });
    const before = Date.parse(a.body.task.lease_expires_at);
    const hb = await waitFor(
      async () => {
        const r = await hub.call("POST", `/v1/tasks/${task.id}/heartbeat`, {
          key: alpha,
          body: { claim_token: a.body.task.claim_token },
        });
        return Date.parse(r.body.task.lease_expires_at) > before ? r : undefined;
      },
      { what: "a later lease end", intervalMs: 50 },
    );
    expect(hb.status).toBe(200);
    const wrong = await hub.call("POST", `/v1/tasks/${task.id}/heartbeat`, {
      key: beta,
      body: { claim_token: a.body.task.claim_token },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.message).toMatch(/You do not hold task \d+.*held by alpha/);
    // clean up: finish it so it does not disturb the other tests
    await hub.call("POST", `/v1/tasks/${task.id}/complete`, { body: {} });
  });
});

describe("long-poll claim", () => {
  const waitingClaims = async () => {
    const m = await hub.call("GET", "/metrics", { key: null });
    return Number(/^agentops_claims_waiting (\d+)/m.exec(m.text)?.[1] ?? -1);
  };

  it("returns as soon as a task is created, well before the wait ends", async () => {
    const started = Date.now();
    const claim = hub.call("POST", "/v1/tasks/claim", { key: beta, body: { wait: 10, limit: 5 } });
    await waitFor(async () => (await waitingClaims()) === 1, { what: "the claim to be waiting" });
    const task = await createTask("wake up", { assigned_to: "beta" });
    const r = await claim;
    const elapsed = Date.now() - started;
    expect(r.status).toBe(200);
    expect(r.body.tasks.map((t: { id: string }) => t.id)).toEqual([task.id]);
    expect(elapsed).toBeLessThan(5_000);
    await hub.call("POST", `/v1/tasks/${task.id}/complete`, {
      key: beta,
      body: { claim_token: r.body.tasks[0].claim_token },
    });
  });

  it("does not wake for a task assigned to someone else, and returns an empty list when the wait ends", async () => {
    const claim = hub.call("POST", "/v1/tasks/claim", { key: beta, body: { wait: 1.5 } });
    await waitFor(async () => (await waitingClaims()) === 1, { what: "the claim to be waiting" });
    const other = await createTask("not for beta", { assigned_to: "alpha" });
    const r = await claim;
    expect(r.status).toBe(200);
    expect(r.body.tasks).toEqual([]);
    const a = await hub.call("POST", "/v1/tasks/claim", { key: alpha, body: {} });
    expect(a.body.tasks[0].id).toBe(other.id);
    await hub.call("POST", `/v1/tasks/${other.id}/complete`, {
      key: alpha,
      body: { claim_token: a.body.tasks[0].claim_token },
    });
  });

  it("stops waiting when the client disconnects", async () => {
    const ac = new AbortController();
    const claim = hub.call("POST", "/v1/tasks/claim", { key: beta, body: { wait: 30 }, signal: ac.signal });
    await waitFor(async () => (await waitingClaims()) === 1, { what: "the claim to be waiting" });
    ac.abort();
    await expect(claim).rejects.toThrow();
    await waitFor(async () => (await waitingClaims()) === 0, {
      what: "the waiter to go away",
      timeoutMs: 5_000,
    });
  });

  it("ends waiting claims when the server closes", async () => {
    const other = await startHub();
    try {
      const key = await other.agent("closer");
      const claim = other.call("POST", "/v1/tasks/claim", { key, body: { wait: 30 } });
      await waitFor(async () => {
        const m = await other.call("GET", "/metrics", { key: null });
        return /^agentops_claims_waiting 1/m.test(m.text);
      });
      const started = Date.now();
      await other.app.close();
      const r = await claim;
      expect(r.status).toBe(200);
      expect(r.body.tasks).toEqual([]);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await other.close();
    }
  });
});
