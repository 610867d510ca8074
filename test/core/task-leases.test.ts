import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimNext,
  claimTask,
  completeTask,
  createProject,
  createTask,
  extendLease,
  getTask,
  listEvents,
  reapExpiredLeases,
  setProjectStatus,
} from "../../src/core/index.ts";
import { BACKENDS, createTestDatabase, type TestDb } from "../helpers/db.ts";
import { asAgent, asPerson, registerWorker, settings, unique, useDb } from "./fixtures.ts";

const later = (seconds: number) => new Date(Date.now() + seconds * 1000);

describe.each(BACKENDS)("leases on %s", (backend) => {
  const db = useDb(backend);
  beforeAll(() => db.open());
  afterAll(() => db.close());

  it("claims the most important matching tasks first, with a new token each", async () => {
    const p = await createProject(db.sql, { name: unique("Claims") }, asPerson);
    const agent = unique("claimer");
    await registerWorker(db.sql, agent, ["web"]);
    const mk = (title: string, extra: Partial<Parameters<typeof createTask>[1]> = {}) =>
      createTask(db.sql, { title, project: p.id, ...extra }, asPerson);
    const low = await mk("low", { priority: "low" });
    const high = await mk("high", { priority: "high" });
    const web = await mk("web", { priority: "medium", requiredCapabilities: ["web"] });
    await mk("needs ml", { priority: "critical", requiredCapabilities: ["ml"] });
    await mk("someone else's", { priority: "critical", assignedTo: "seed" });

    const got = await claimNext(db.sql, agent, { projects: [p.name], limit: 10 }, settings);
    expect(got.map((t) => t.id)).toEqual([high.id, web.id, low.id]);
    for (const t of got) {
      expect(t).toMatchObject({ status: "in_progress", claimedBy: agent, attempts: 1 });
      expect(t.claimToken).toMatch(/^[0-9a-f-]{36}$/);
      expect(t.leaseExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 30_000);
    }
    expect(new Set(got.map((t) => t.claimToken)).size).toBe(3);
    const claimedEvents = await listEvents(db.sql, { types: ["task.claimed"], entityId: high.id });
    expect(claimedEvents[0]?.payload).toMatchObject({
      number: high.number,
      holder: agent,
      priorityName: "high",
    });
    expect(claimedEvents[0]?.payload).not.toHaveProperty("claimToken");
    expect(await claimNext(db.sql, agent, { projects: [p.name] }, settings)).toEqual([]);
  });

  it("skips tasks of paused projects", async () => {
    const p = await createProject(db.sql, { name: unique("Paused") }, asPerson);
    const agent = unique("pz");
    await registerWorker(db.sql, agent);
    await createTask(db.sql, { title: "waits", project: p.id, assignedTo: agent }, asPerson);
    await setProjectStatus(db.sql, p.id, "paused", asPerson);
    expect(await claimNext(db.sql, agent, { projects: [p.id] }, settings)).toEqual([]);
    await setProjectStatus(db.sql, p.id, "active", asPerson);
    expect(await claimNext(db.sql, agent, { projects: [p.id] }, settings)).toHaveLength(1);
  });

  it("claims a named task, or says why not", async () => {
    const agent = unique("named");
    await registerWorker(db.sql, agent);
    const t = await createTask(db.sql, { title: "named", assignedTo: agent }, asPerson);
    const c = await claimTask(db.sql, `#${t.number}`, agent, settings);
    expect(c.claimedBy).toBe(agent);
    await expect(claimTask(db.sql, t.id, agent, settings)).rejects.toMatchObject({ code: "conflict" });
    const theirs = await createTask(db.sql, { title: "theirs", assignedTo: "seed" }, asPerson);
    await expect(claimTask(db.sql, theirs.id, agent, settings)).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("assigned to seed"),
    });
    await expect(claimNext(db.sql, "ghost", {}, settings)).rejects.toMatchObject({ code: "not_found" });
  });

  it("a crashed agent's lease expires; another claims and completes; the old holder gets lease_conflict", async () => {
    const p = await createProject(db.sql, { name: unique("Crash") }, asPerson);
    const [crashed, rescuer] = [unique("crash"), unique("rescue")];
    await registerWorker(db.sql, crashed);
    await registerWorker(db.sql, rescuer);
    const t = await createTask(db.sql, { title: "fragile", project: p.id }, asPerson);
    const [first] = await claimNext(db.sql, crashed, { projects: [p.id] }, settings);
    expect(first?.id).toBe(t.id);

    // Not expired yet: nothing to reap.
    expect((await reapExpiredLeases(db.sql, settings)).requeued.map((x) => x.id)).not.toContain(t.id);

    const reaped = await reapExpiredLeases(db.sql, settings, { now: later(120) });
    const requeued = reaped.requeued.find((x) => x.id === t.id);
    expect(requeued).toMatchObject({ status: "pending", claimedBy: null, leaseExpiresAt: null, attempts: 1 });
    const [expired] = await listEvents(db.sql, { entityId: t.id, types: ["task.lease_expired"] });
    expect(expired?.payload).toMatchObject({ lastHolder: crashed, number: t.number });

    const [second] = await claimNext(db.sql, rescuer, { projects: [p.id] }, settings);
    expect(second?.claimToken).not.toBe(first?.claimToken);
    await completeTask(
      db.sql,
      t.id,
      { claimToken: second?.claimToken ?? "", result: "rescued" },
      asAgent(rescuer),
    );

    await expect(
      completeTask(db.sql, t.id, { claimToken: first?.claimToken ?? "" }, asAgent(crashed)),
    ).rejects.toMatchObject({ code: "lease_conflict" });
    await expect(extendLease(db.sql, t.id, crashed, first?.claimToken ?? "", settings)).rejects.toMatchObject(
      {
        code: "lease_conflict",
      },
    );
    expect((await getTask(db.sql, t.id)).result).toBe("rescued");
  });

  it("fails a task whose leases expired max_attempts times", async () => {
    const agent = unique("flaky");
    await registerWorker(db.sql, agent);
    const t = await createTask(db.sql, { title: "doomed", assignedTo: agent, maxAttempts: 2 }, asPerson);
    await claimTask(db.sql, t.id, agent, settings);
    await reapExpiredLeases(db.sql, settings, { now: later(120) });
    await claimTask(db.sql, t.id, agent, settings);
    const { failed } = await reapExpiredLeases(db.sql, settings, { now: later(120) });
    expect(failed.find((x) => x.id === t.id)).toMatchObject({
      status: "failed",
      error: `lease expired 2 times (last holder ${agent})`,
    });
    const [e] = await listEvents(db.sql, { entityId: t.id, types: ["task.failed"] });
    expect(e?.payload).toMatchObject({
      reason: "lease_expired",
      error: `lease expired 2 times (last holder ${agent})`,
    });
  });

  it("extends a lease for the holder", async () => {
    const agent = unique("ext");
    await registerWorker(db.sql, agent);
    const t = await createTask(db.sql, { title: "long", assignedTo: agent }, asPerson);
    const c = await claimTask(db.sql, t.id, agent, { leaseSeconds: 5 });
    const e = await extendLease(db.sql, t.id, agent, c.claimToken, { leaseSeconds: 600 });
    expect(e.leaseExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 500_000);
  });
});

describe("claiming under heavy concurrency on postgres", () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it("16 claimers over 2,000 tasks: each claimed and completed exactly once, no token reused", async () => {
    const p = await createProject(db.sql, { name: "Load" }, asPerson);
    const workers = Array.from({ length: 16 }, (_, i) => `load-${i}`);
    for (const w of workers) await registerWorker(db.sql, w);
    await db.sql.query(
      `INSERT INTO tasks (title, project_id, priority)
       SELECT 'load ' || g, $1, (g % 101) FROM generate_series(1, 2000) g`,
      [p.id],
    );

    const tokens: string[] = [];
    const completedBy = new Map<string, string>();
    await Promise.all(
      workers.map(async (w) => {
        for (;;) {
          const batch = await claimNext(db.sql, w, { projects: [p.id], limit: 1 + (w.length % 5) }, settings);
          if (batch.length === 0) return;
          for (const t of batch) {
            tokens.push(t.claimToken);
            await completeTask(db.sql, t.id, { claimToken: t.claimToken, result: w }, asAgent(w));
            expect(completedBy.has(t.id)).toBe(false);
            completedBy.set(t.id, w);
          }
        }
      }),
    );

    expect(completedBy.size).toBe(2000);
    expect(tokens).toHaveLength(2000);
    expect(new Set(tokens).size).toBe(2000);
    const counts = await db.sql.query<{ status: string; n: number; attempts: number }>(
      `SELECT status, count(*)::int AS n, max(attempts) AS attempts FROM tasks WHERE project_id = $1 GROUP BY status`,
      [p.id],
    );
    expect(counts.rows).toEqual([{ status: "completed", n: 2000, attempts: 1 }]);
    const events = await db.sql.query<{ event_type: string; n: number; distinct_tasks: number }>(
      `SELECT event_type, count(*)::int AS n, count(DISTINCT entity_id)::int AS distinct_tasks FROM events
       WHERE event_type IN ('task.claimed', 'task.completed') GROUP BY event_type ORDER BY 1`,
    );
    expect(events.rows).toEqual([
      { event_type: "task.claimed", n: 2000, distinct_tasks: 2000 },
      { event_type: "task.completed", n: 2000, distinct_tasks: 2000 },
    ]);
    // Work was spread across the claimers, not serialised behind one.
    expect(new Set(completedBy.values()).size).toBeGreaterThan(8);
  }, 120_000);
});
