import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentOpsApiError, AgentOpsClient, runAgent } from "../../src/sdk/index.ts";
import { freePort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";
import { ADMIN_KEY, type Hub, startHub } from "../http/harness.ts";

let hub: Hub;
let admin: AgentOpsClient;

beforeAll(async () => {
  hub = await startHub({ config: { leaseSeconds: 3 } });
  admin = new AgentOpsClient({ baseUrl: hub.url, apiKey: ADMIN_KEY });
});
afterAll(async () => {
  await hub?.close();
});

const statusOf = async (ids: string[]) => {
  const r = await hub.db.sql.query<{ id: string; status: string; result: unknown; error: string | null }>(
    "SELECT id, status, result, error FROM tasks WHERE id = ANY($1::uuid[])",
    [ids],
  );
  return new Map(r.rows.map((row) => [row.id, row]));
};

describe("AgentOpsClient", () => {
  it("speaks the API with typed results and typed errors", async () => {
    const { api_key, agent } = await admin.registerAgent({ name: "sdk-client", capabilities: ["x"] });
    expect(agent.name).toBe("sdk-client");
    const me = new AgentOpsClient({ baseUrl: hub.url, apiKey: api_key });
    const task = await admin.createTask({ title: "typed", assigned_to: "sdk-client", priority: "high" });
    expect(task.priority_name).toBe("high");
    const [claimed] = await me.claim({ limit: 1 });
    expect(claimed?.id).toBe(task.id);
    const done = await me.complete(task.number, claimed?.claim_token ?? "", { ok: true });
    expect(done.status).toBe("completed");

    const err = await me.getTask(999_999).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentOpsApiError);
    expect(err).toMatchObject({ status: 404, code: "not_found" });
    const forbidden = await me.registerAgent({ name: "nope" }).catch((e: unknown) => e);
    expect(forbidden).toMatchObject({ status: 403, code: "forbidden" });
    const bad = await new AgentOpsClient({ baseUrl: hub.url, apiKey: "aoh_wrong" })
      .listTasks()
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("follows the event stream across a dropped connection: every event once, in order", async () => {
    // places in the order of publication no longer equal event ids (as after any reordering)
    await hub.db.sql.query(
      "SELECT setval(pg_get_serial_sequence('event_feed', 'seq'), (SELECT coalesce(max(id), 0) FROM events) + 1000)",
    );
    // tasks no agent of the other tests can claim
    const only = { required_capabilities: ["stream-watcher"] };
    const before = await admin.createTask({ title: "stream before", ...only });
    await hub.relay.drain();
    const listed = await admin.listEvents({ types: ["task.created"], limit: 1000 });
    const created = listed.events.find((e) => e.entity_id === before.id);
    expect(created?.seq).not.toBe(created?.id);
    const since = created?.seq ?? 0;
    expect(since).toBeGreaterThan(0);
    const titles = ["stream 1", "stream 2", "stream 3"];
    for (const title of titles.slice(0, 2)) await admin.createTask({ title, ...only });
    await hub.relay.drain();

    // the first connection drops after its second event; what the SDK resumes from is recorded
    const resumedFrom: (string | null)[] = [];
    const dropping: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).includes("/v1/events/stream")) return res;
      resumedFrom.push(new Headers(init?.headers).get("last-event-id"));
      if (resumedFrom.length > 1 || !res.body) return res;
      const reader = res.body.getReader();
      let events = 0;
      const cut = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          controller.enqueue(value);
          events += (new TextDecoder().decode(value).match(/\ndata: /g) ?? []).length;
          if (events >= 2) {
            await reader.cancel();
            controller.close();
          }
        },
      });
      return new Response(cut, { status: res.status, headers: res.headers });
    };
    const client = new AgentOpsClient({ baseUrl: hub.url, apiKey: ADMIN_KEY, fetch: dropping });
    const stop = new AbortController();
    const seen: { title: string; seq: number | undefined }[] = [];
    const following = (async () => {
      for await (const e of client.streamEvents({ since, types: ["task.created"], signal: stop.signal })) {
        seen.push({ title: String(e.payload.title), seq: e.seq });
        if (seen.length === 2) await admin.createTask({ title: "stream 3", ...only });
        if (seen.length === 3) stop.abort();
      }
    })();
    await following;
    expect(seen.map((e) => e.title)).toEqual(titles);
    expect(resumedFrom).toEqual([String(since), String(seen[1]?.seq)]);
  });

  it("says which hub it cannot reach, and why, when nothing listens there", async () => {
    const port = await freePort();
    const c = new AgentOpsClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: "k", retries: 0 });
    const err = await c.getTask(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentOpsApiError);
    expect(err).toMatchObject({ code: "network" });
    expect((err as Error).message).toBe(
      `GET /v1/tasks/1: cannot reach the hub at http://127.0.0.1:${port}: connection refused (is the hub running, on that port?)`,
    );
  });

  it("retries 429 and 503 after Retry-After, and gives up with the typed error", async () => {
    const statuses: number[] = [];
    let refuse = 2;
    const client = new AgentOpsClient({
      baseUrl: hub.url,
      apiKey: ADMIN_KEY,
      retries: 2,
      // the hub answers; the first answers are replaced by what an overloaded hub says
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (refuse-- <= 0) {
          statuses.push(res.status);
          return res;
        }
        const status = refuse === 1 ? 429 : 503;
        statuses.push(status);
        return Response.json(
          { error: { code: "rate_limited", message: "slow down" } },
          { status, headers: { "retry-after": "0.01" } },
        );
      },
    });
    expect(Array.isArray(await client.listTools())).toBe(true);
    expect(statuses).toEqual([429, 503, 200]);

    refuse = 5;
    const e = await client.listTools().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AgentOpsApiError);
    expect(e).toMatchObject({ status: 503, code: "rate_limited", message: "slow down" });
    expect(statuses.slice(3)).toEqual([503, 503, 503]); // the first try and two retries
  });
});

describe("runAgent", () => {
  it("claims, extends leases, completes results, fails errors, asks and stops gracefully", {
    timeout: 60_000,
  }, async () => {
    const { api_key } = await admin.registerAgent({ name: "sdk-runner", capabilities: ["echo"] });
    const stop = new AbortController();
    const progressSeen: number[] = [];
    let answered = "";
    const running = runAgent({
      baseUrl: hub.url,
      apiKey: api_key,
      name: "sdk-runner",
      capabilities: ["echo"],
      concurrency: 4,
      waitSeconds: 5,
      answerPollMs: 50,
      signal: stop.signal,
      async handle(task, ctx) {
        if (task.title === "explode") throw new Error("kaboom");
        if (task.title === "slow") {
          // outlives the 3 s lease: only the SDK's lease extension keeps it
          await new Promise((r) => setTimeout(r, 4_500));
          return { slow: true };
        }
        if (task.title === "question") {
          answered = await ctx.ask("Which colour?");
          return { colour: answered };
        }
        await ctx.progress(`working on ${task.number}`);
        progressSeen.push(task.number);
        return { echo: task.input };
      },
    });

    const echoes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        admin.createTask({ title: `echo ${i}`, input: { i }, required_capabilities: ["echo"] }),
      ),
    );
    const explode = await admin.createTask({ title: "explode", assigned_to: "sdk-runner" });
    const slow = await admin.createTask({ title: "slow", assigned_to: "sdk-runner" });
    const question = await admin.createTask({ title: "question", assigned_to: "sdk-runner" });

    // the question blocks its task; the person answers
    await waitFor(async () => (await admin.getTask(question.id)).status === "blocked", {
      what: "the question",
    });
    await admin.addUpdate(question.id, { update_type: "answer", message: "Blue" });

    const all = [...echoes, explode, slow, question].map((t) => t.id);
    await waitFor(
      async () =>
        [...(await statusOf(all)).values()].every((t) => t.status === "completed" || t.status === "failed"),
      { what: "every task to finish", timeoutMs: 30_000, intervalMs: 100 },
    );
    const s = await statusOf(all);
    for (const [i, t] of echoes.entries())
      expect(s.get(t.id)).toMatchObject({ status: "completed", result: { echo: { i } } });
    expect(s.get(explode.id)).toMatchObject({ status: "failed", error: "kaboom" });
    expect(s.get(slow.id)).toMatchObject({ status: "completed", result: { slow: true } });
    expect(s.get(question.id)).toMatchObject({ status: "completed", result: { colour: "Blue" } });
    expect(progressSeen.length).toBe(12);
    const slowTask = await admin.getTask(slow.id);
    expect(slowTask.attempts).toBe(1); // never lost its lease

    // stop while a task is in flight: it finishes, then runAgent resolves
    const last = await admin.createTask({ title: "slow", assigned_to: "sdk-runner" });
    await waitFor(async () => (await admin.getTask(last.id)).status === "in_progress", {
      what: "the last claim",
    });
    stop.abort();
    await running;
    expect((await admin.getTask(last.id)).status).toBe("completed");
    const agent = await admin.getAgent("sdk-runner");
    expect(agent.status).toBe("idle");
  });

  it("takes its next task as it completes one: one request per task, never past its concurrency", {
    timeout: 30_000,
  }, async () => {
    const { api_key } = await admin.registerAgent({ name: "sdk-busy", capabilities: ["busy"] });
    const tasks = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        admin.createTask({ title: `busy ${i}`, required_capabilities: ["busy"] }),
      ),
    );
    const calls = { claim: 0, completeNext: 0, complete: 0 };
    class Counting extends AgentOpsClient {
      override claim(...a: Parameters<AgentOpsClient["claim"]>) {
        calls.claim += 1;
        return super.claim(...a);
      }
      override completeAndClaimNext(...a: Parameters<AgentOpsClient["completeAndClaimNext"]>) {
        calls.completeNext += 1;
        return super.completeAndClaimNext(...a);
      }
      override complete(...a: Parameters<AgentOpsClient["complete"]>) {
        calls.complete += 1;
        return super.complete(...a);
      }
    }
    const stop = new AbortController();
    let running = 0;
    let most = 0;
    const done = runAgent({
      baseUrl: hub.url,
      apiKey: api_key,
      name: "sdk-busy",
      capabilities: ["busy"],
      concurrency: 2,
      waitSeconds: 1,
      signal: stop.signal,
      client: new Counting({ baseUrl: hub.url, apiKey: api_key }),
      async handle(task) {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setImmediate(r));
        running -= 1;
        return { n: task.number };
      },
    });
    const ids = tasks.map((t) => t.id);
    await waitFor(async () => [...(await statusOf(ids)).values()].every((t) => t.status === "completed"), {
      what: "the 30 tasks",
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    stop.abort();
    await done;
    expect(most).toBeLessThanOrEqual(2);
    expect(calls.completeNext + calls.complete).toBe(30);
    // the queue never ran dry while it worked, so nearly every task came with a completion
    expect(calls.claim).toBeLessThan(8);
  });
});
