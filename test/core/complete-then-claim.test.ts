import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimNext, createProject, createTask, getTask, listEvents } from "../../src/core/index.ts";
import type { RowView } from "../../src/core/row-view.ts";
import { completeManyThenClaimAs } from "../../src/core/task-completions.ts";
import { type CheckedClaim, checkClaims } from "../../src/core/task-leases.ts";
import { completeTasksThenClaimAs } from "../../src/core/task-transitions.ts";
import { BACKENDS } from "../helpers/db.ts";
import { asAgent, asPerson, registerWorker, settings, unique, useDb } from "./fixtures.ts";

// "Done with this, give me the next" in one statement: the completions first, then each claim
// whose completion went through (or every claim, for a batch worker's).
describe.each(BACKENDS)("completions then claims in one statement on %s", (backend) => {
  const db = useDb(backend);
  beforeAll(() => db.open());
  afterAll(() => db.close());

  // The statement's two views must select the same columns (the REST API's are one JSON text).
  type Brief = {
    id: string;
    title: string;
    status: string;
    claimed_by: string;
    claim_token: string;
    result: unknown;
  };
  const brief: RowView<Brief> = {
    key: "_brief",
    select: "r.id::text AS id, r.title, r.status, r.claimed_by, r.claim_token::text AS claim_token, r.result",
    map: (row) => row,
  };
  const views = { done: brief, claimed: brief };

  async function setup(agents: string[], titles: string[]) {
    const p = await createProject(db.sql, { name: unique("Then") }, asPerson);
    for (const a of agents) await registerWorker(db.sql, a);
    for (const title of titles) await createTask(db.sql, { title, project: p.id }, asPerson);
    return p;
  }

  const checked = async (requests: Parameters<typeof checkClaims>[1]) =>
    (await checkClaims(db.sql, requests)).map((c) => {
      if (c instanceof Error) throw c;
      return c as CheckedClaim;
    });

  it("claims for each item that completed, not for one that missed, and writes the events in that order", async () => {
    const [a, b] = [unique("then-a"), unique("then-b")];
    const p = await setup([a, b], ["a1", "b1", "n1", "n2", "n3"]);
    const [ta] = await claimNext(db.sql, a, { projects: [p.id] }, settings);
    const [tb] = await claimNext(db.sql, b, { projects: [p.id] }, settings);
    if (!ta || !tb) throw new Error("setup");
    const claims = await checked([
      { agent: a, projects: [p.id], limit: 2 },
      { agent: b, projects: [p.id], limit: 2 },
    ]);
    const { done, claimed } = await completeManyThenClaimAs(
      db.sql,
      [
        { n: 0, ref: { id: ta.id }, claimToken: ta.claimToken, resultJson: '"ok"', actor: asAgent(a).actor },
        // b's token is stale: its completion misses, so its claim is not made
        {
          n: 1,
          ref: { id: tb.id },
          claimToken: "00000000-0000-4000-8000-000000000000",
          resultJson: null,
          actor: asAgent(b).actor,
        },
      ],
      null,
      claims.map((c) => ({ ...c, after: c.n })),
      60,
      views,
    );
    expect([...done.keys()]).toEqual([0]);
    expect(done.get(0)).toMatchObject({ id: ta.id, status: "completed", result: "ok" });
    expect([...claimed.keys()]).toEqual([0]);
    const next = claimed.get(0) ?? [];
    expect(next.map((t) => t.title)).toEqual(["n1", "n2"]);
    for (const t of next) expect(t).toMatchObject({ status: "in_progress", claimed_by: a });
    expect(await getTask(db.sql, tb.id)).toMatchObject({ status: "in_progress", claimedBy: b });

    // the completion's event comes before the claims' in the order of events
    const completed = await listEvents(db.sql, { types: ["task.completed"], entityId: ta.id });
    const claimedEvents = await listEvents(db.sql, { types: ["task.claimed"], entityId: next[0]?.id ?? "" });
    expect(completed).toHaveLength(1);
    expect(claimedEvents).toHaveLength(1);
    expect(completed[0]?.id).toBeLessThan(claimedEvents[0]?.id ?? 0);
  });

  it("a batch worker's claim is made whatever became of its items, and a failed item still gets its error", async () => {
    const a = unique("then-batch");
    const p = await setup([a], ["x1", "x2", "y1", "y2"]);
    const held = await claimNext(db.sql, a, { projects: [p.id], limit: 2 }, settings);
    const [x1, x2] = held;
    if (!x1 || !x2) throw new Error("setup");
    const { results, next } = await completeTasksThenClaimAs(
      db.sql,
      [
        { ref: x1.id, claimToken: x1.claimToken, result: 1 },
        { ref: x2.id, claimToken: "00000000-0000-4000-8000-000000000000" },
        { ref: "not a task" },
      ],
      asAgent(a),
      { agent: a, projects: [p.id], limit: 5 },
      settings,
      views,
      (t) => ({
        id: t.id,
        title: t.title,
        status: t.status,
        claimed_by: t.claimedBy ?? "",
        claim_token: "",
        result: t.result,
      }),
    );
    expect(results.map((r) => r.ok)).toEqual([true, false, false]);
    expect(results[1]).toMatchObject({ ok: false, error: { code: "lease_conflict" } });
    expect(next).toMatchObject({ tasks: [{ title: "y1" }, { title: "y2" }] });

    // nothing left to claim, and no item could take the fast path: the claim still answers
    const none = await completeTasksThenClaimAs(
      db.sql,
      [{ ref: "not a task" }],
      asAgent(a),
      { agent: a, projects: [p.id] },
      settings,
      views,
      () => {
        throw new Error("no slow completion expected");
      },
    );
    expect(none.next).toEqual({ tasks: [] });
    // a claim that cannot be made says why, and the completions stand
    const [y1] = "tasks" in next ? next.tasks : [];
    if (!y1) throw new Error("expected y1");
    const bad = await completeTasksThenClaimAs(
      db.sql,
      [{ ref: y1.id, claimToken: y1.claim_token }],
      asAgent(a),
      { agent: a, projects: ["no such project"] },
      settings,
      views,
      () => {
        throw new Error("no slow completion expected");
      },
    );
    expect(bad.results[0]).toMatchObject({ ok: true });
    expect(bad.next).toMatchObject({ error: { code: "not_found" } });
  });
});
