import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Hub, startHub } from "./harness.ts";

const AGENTS = 16;
const TASKS = 2_000;
const BATCH = 25;

let hub: Hub;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await hub?.close();
});

/** `agents` agents, and `tasks` pending tasks (none other), each asking its number doubled. */
async function setup(prefix: string, agents: number, tasks: number) {
  const keys = await Promise.all(Array.from({ length: agents }, (_, i) => hub.agent(`${prefix}-${i}`)));
  await hub.db.sql.query("DELETE FROM tasks");
  await hub.db.sql.query(
    `INSERT INTO tasks (title, priority, input)
     SELECT 'job ' || g, (g % 4) * 25, jsonb_build_object('n', g) FROM generate_series(1, $1) g`,
    [tasks],
  );
  return keys;
}

/** Every task completed, with the right result, on its first claim. */
async function expectAllCompleted(tasks: number) {
  const rows = await hub.db.sql.query<{ status: string; n: number }>(
    "SELECT status, count(*)::int AS n FROM tasks GROUP BY status",
  );
  expect(rows.rows).toEqual([{ status: "completed", n: tasks }]);
  const wrong = await hub.db.sql.query(
    "SELECT 1 FROM tasks WHERE (result->>'doubled')::int <> (input->>'n')::int * 2 OR attempts <> 1",
  );
  expect(wrong.rowCount).toBe(0);
}

describe("16 agents drain 2,000 tasks over REST", () => {
  it("completes every task exactly once, losing none", { timeout: 80_000 }, async () => {
    const keys = await setup("drainer", AGENTS, TASKS);

    const completedBy = new Map<string, string>();
    const failures: string[] = [];
    const loops = keys.map(async (key, i) => {
      let done = 0;
      for (;;) {
        const c = await hub.call("POST", "/v1/tasks/claim", { key, body: { limit: BATCH } });
        if (c.status !== 200) throw new Error(`claim ${c.status}: ${c.text}`);
        const tasks = c.body.tasks as Array<{ id: string; claim_token: string; input: { n: number } }>;
        if (tasks.length === 0) return done;
        const r = await hub.call("POST", "/v1/tasks/complete", {
          key,
          body: {
            tasks: tasks.map((t) => ({
              id: t.id,
              claim_token: t.claim_token,
              result: { doubled: t.input.n * 2 },
            })),
          },
        });
        if (r.status !== 200) throw new Error(`complete ${r.status}: ${r.text}`);
        for (const item of r.body.results as Array<{
          id: string;
          ok: boolean;
          error?: { message: string };
        }>) {
          if (!item.ok) failures.push(`${item.id}: ${item.error?.message}`);
          else if (completedBy.has(item.id)) failures.push(`${item.id} completed twice`);
          else completedBy.set(item.id, `drainer-${i}`);
        }
        done += tasks.length;
      }
    });
    const perAgent = await Promise.all(loops);

    expect(failures).toEqual([]);
    expect(completedBy.size).toBe(TASKS);
    expect(perAgent.reduce((a, b) => a + b, 0)).toBe(TASKS);
    // work was shared, not taken by one agent
    expect(perAgent.filter((n) => n > 0).length).toBeGreaterThan(AGENTS / 2);

    await expectAllCompleted(TASKS);
    const events = await hub.db.sql.query<{ n: number; tasks: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT entity_id)::int AS tasks FROM events WHERE event_type = 'task.completed'",
    );
    expect(events.rows[0]).toEqual({ n: TASKS, tasks: TASKS });
  });
});

// The loops agents run with `next`: each request completes and claims in one statement, with
// other agents' requests coalesced into the same one.
describe("agents that complete and claim the next in one request", () => {
  /** Every task completed once, with its result, and its events: claimed, then completed. */
  const expectDrained = async (tasks: number, completions: string[]) => {
    expect(completions.length).toBe(tasks);
    expect(new Set(completions).size).toBe(tasks);
    await expectAllCompleted(tasks);
    const order = await hub.db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tasks t
       WHERE (SELECT array_agg(e.event_type ORDER BY e.id) FROM events e
              WHERE e.entity_id = t.id::text AND e.event_type IN ('task.claimed', 'task.completed'))
             <> ARRAY['task.claimed', 'task.completed']`,
    );
    expect(order.rows[0]?.n).toBe(0);
  };

  type Claimed = { id: string; claim_token: string; input: { n: number } };

  it("one task per request: 8 agents, 600 tasks, each completed once", { timeout: 60_000 }, async () => {
    const keys = await setup("looper", 8, 600);
    const completions: string[] = [];
    await Promise.all(
      keys.map(async (key) => {
        const c = await hub.call("POST", "/v1/tasks/claim", { key, body: {} });
        let t = (c.body.tasks as Claimed[])[0];
        while (t) {
          const r = await hub.call("POST", `/v1/tasks/${t.id}/complete`, {
            key,
            body: { claim_token: t.claim_token, result: { doubled: t.input.n * 2 }, next: {} },
          });
          if (r.status !== 200) throw new Error(`complete ${r.status}: ${r.text}`);
          completions.push(r.body.task.id);
          t = (r.body.next_tasks as Claimed[])[0];
        }
      }),
    );
    await expectDrained(600, completions);
  });

  it("batches: 8 agents, 1,000 tasks, each completed once", { timeout: 60_000 }, async () => {
    const keys = await setup("batch-looper", 8, 1_000);
    const completions: string[] = [];
    await Promise.all(
      keys.map(async (key) => {
        const c = await hub.call("POST", "/v1/tasks/claim", { key, body: { limit: 20 } });
        let tasks = c.body.tasks as Claimed[];
        while (tasks.length > 0) {
          const r = await hub.call("POST", "/v1/tasks/complete", {
            key,
            headers: { prefer: "return=minimal" },
            body: {
              tasks: tasks.map((t) => ({
                id: t.id,
                claim_token: t.claim_token,
                result: { doubled: t.input.n * 2 },
              })),
              next: { limit: 20 },
            },
          });
          if (r.status !== 200) throw new Error(`complete ${r.status}: ${r.text}`);
          for (const item of r.body.results as Array<{ id: string; ok: boolean }>) {
            if (item.ok) completions.push(item.id);
          }
          tasks = r.body.next_tasks as Claimed[];
        }
      }),
    );
    await expectDrained(1_000, completions);
  });
});
