import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Hub, startHub } from "./harness.ts";

let hub: Hub;
let alpha: string;
let beta: string;
let held: { id: string; number: number; claim_token: string };
let waiting: { id: string; number: number };

/** Everything a bad request could have changed. */
async function snapshot() {
  const tables = [
    "projects",
    "tasks",
    "task_updates",
    "agents",
    "api_keys",
    "events",
    "artifacts",
    "model_usage",
    "tools",
    "idempotency_keys",
  ];
  const out: Record<string, unknown> = {};
  for (const t of tables) {
    // a key's last_used_at is bookkeeping of the key check, not a change the request made
    // nor is the outbox relay marking events published in the background
    const from =
      t === "api_keys"
        ? "(SELECT id, key_hash, agent_name, is_admin, revoked_at FROM api_keys)"
        : t === "events"
          ? "(SELECT id, event_type, entity_id, actor, payload FROM events)"
          : t;
    const r = await hub.db.sql.query<{ n: number; h: string | null }>(
      `SELECT count(*)::int AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS h FROM ${from} x`,
    );
    out[t] = r.rows[0];
  }
  return out;
}

beforeAll(async () => {
  hub = await startHub({ config: { bodyLimitBytes: 16 * 1024 } });
  alpha = await hub.agent("alpha");
  beta = await hub.agent("beta");
  const t = await hub.call("POST", "/v1/tasks", { body: { title: "alpha's job", assigned_to: "alpha" } });
  const c = await hub.call("POST", `/v1/tasks/${t.body.task.number}/claim`, { key: alpha });
  held = { id: c.body.task.id, number: c.body.task.number, claim_token: c.body.task.claim_token };
  const w = await hub.call("POST", "/v1/tasks", {
    body: { title: "alpha's next job", assigned_to: "alpha" },
  });
  waiting = w.body.task;
});
afterAll(async () => {
  await hub?.close();
});

interface Case {
  name: string;
  method: string;
  path: string | (() => string);
  key?: () => string | null;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  code: string;
  message: RegExp;
}

const cases: Case[] = [
  {
    name: "malformed JSON",
    method: "POST",
    path: "/v1/tasks",
    raw: '{"title": "x",',
    status: 400,
    code: "bad_request",
    message: /not valid JSON/,
  },
  {
    name: "empty JSON body",
    method: "POST",
    path: "/v1/tasks",
    raw: "",
    status: 400,
    code: "bad_request",
    message: /body is empty/,
  },
  {
    name: "a body that is not JSON",
    method: "POST",
    path: "/v1/tasks",
    raw: "title=x",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    status: 415,
    code: "unsupported_media_type",
    message: /application\/json/,
  },
  {
    name: "a JSON array instead of an object",
    method: "POST",
    path: "/v1/tasks",
    body: [{ title: "x" }],
    status: 400,
    code: "validation",
    message: /^The body must be an object$/,
  },
  {
    name: "a missing required field",
    method: "POST",
    path: "/v1/tasks",
    body: { description: "no title" },
    status: 400,
    code: "validation",
    message: /^body\.title is required$/,
  },
  {
    name: "a number where a string goes",
    method: "POST",
    path: "/v1/tasks",
    body: { title: 42 },
    status: 400,
    code: "validation",
    message: /^body\.title must be a string$/,
  },
  {
    name: "a string where a whole number goes",
    method: "POST",
    path: "/v1/tasks/claim",
    key: () => beta,
    body: { limit: "5" },
    status: 400,
    code: "validation",
    message: /^body\.limit must be a whole number$/,
  },
  {
    name: "a wait beyond 30 seconds",
    method: "POST",
    path: "/v1/tasks/claim",
    key: () => beta,
    body: { wait: 3600 },
    status: 400,
    code: "validation",
    message: /^body\.wait must be at most 30$/,
  },
  {
    name: "a bad priority",
    method: "POST",
    path: "/v1/tasks",
    body: { title: "x", priority: "urgent" },
    status: 400,
    code: "validation",
    message: /^body\.priority must be an integer from 0 to 100 or one of low, medium, high, critical$/,
  },
  {
    name: "a status that is not one",
    method: "GET",
    path: "/v1/tasks?status=done",
    status: 400,
    code: "validation",
    message:
      /^query\.status must be one of pending, in_progress, blocked, completed, failed, cancelled, or several of them comma-separated$/,
  },
  {
    name: "an unknown field",
    method: "POST",
    path: "/v1/tasks",
    body: { title: "x", owner: "me" },
    status: 400,
    code: "validation",
    message: /^body has an unknown field "owner"$/,
  },
  {
    name: "a wrong type inside a batch",
    method: "POST",
    path: "/v1/tasks/complete",
    key: () => alpha,
    body: { tasks: [{ id: "1", claim_token: 7 }] },
    status: 400,
    code: "validation",
    message: /^body\.tasks\[0\]\.claim_token must be a string$/,
  },
  {
    name: "a huge body",
    method: "POST",
    path: "/v1/tasks",
    body: { title: "big", description: "x".repeat(64 * 1024) },
    status: 413,
    code: "payload_too_large",
    message: /larger than the limit of 16384 bytes/,
  },
  {
    name: "a bad query value",
    method: "GET",
    path: "/v1/tasks?limit=ten",
    status: 400,
    code: "validation",
    message: /^query\.limit must be a number from 1 to 500$/,
  },
  {
    name: "an unknown task number",
    method: "GET",
    path: "/v1/tasks/999999",
    status: 404,
    code: "not_found",
    message: /999999/,
  },
  {
    name: "an unknown task UUID on complete",
    method: "POST",
    path: "/v1/tasks/00000000-0000-4000-8000-000000000000/complete",
    body: {},
    status: 404,
    code: "not_found",
    message: /not found|no task|There is no task/i,
  },
  {
    name: "a malformed task id",
    method: "GET",
    path: "/v1/tasks/abc",
    status: 400,
    code: "validation",
    message: /^path\.id must be a task UUID or number$/,
  },
  {
    name: "an unknown project",
    method: "POST",
    path: "/v1/tasks",
    body: { title: "x", project: "No Such Project" },
    status: 404,
    code: "not_found",
    message: /No Such Project/,
  },
  {
    name: "an unknown agent",
    method: "GET",
    path: "/v1/agents/nobody",
    status: 404,
    code: "not_found",
    message: /nobody/,
  },
  {
    name: "SQL in a path",
    method: "GET",
    path: `/v1/projects/${encodeURIComponent("x'; DROP TABLE tasks; --")}`,
    status: 404,
    code: "not_found",
    message: /DROP TABLE/,
  },
  {
    name: "SQL in a filter",
    method: "GET",
    path: `/v1/tasks?assignee=${encodeURIComponent("' OR 1=1 --")}`,
    status: 200,
    code: "",
    message: /"tasks":\[\]/,
  },
  {
    name: "SQL in an agent name",
    method: "POST",
    path: "/v1/agents/register",
    body: { name: "bob'); DELETE FROM agents; --" },
    status: 400,
    code: "validation",
    message: /^body\.name must be a name of up to 63 letters/,
  },
  {
    name: "no key",
    method: "GET",
    path: "/v1/tasks",
    key: () => null,
    status: 401,
    code: "unauthorized",
    message: /Missing API key/,
  },
  {
    name: "a wrong key",
    method: "POST",
    path: "/v1/tasks",
    key: () => "aoh_wrongwrongwrongwrongwrongwrongwrongwrongwro",
    body: { title: "sneaky" },
    status: 401,
    code: "unauthorized",
    message: /Invalid or revoked API key/,
  },
  {
    name: "a malformed Authorization header",
    method: "GET",
    path: "/v1/tasks",
    headers: { authorization: "Basic dXNlcjpwYXNz" },
    key: () => null,
    status: 401,
    code: "unauthorized",
    message: /Bearer/,
  },
  {
    name: "an agent registering agents",
    method: "POST",
    path: "/v1/agents/register",
    key: () => alpha,
    body: { name: "mallory" },
    status: 403,
    code: "forbidden",
    message: /admin key/,
  },
  {
    name: "another agent completing alpha's task",
    method: "POST",
    path: () => `/v1/tasks/${held.id}/complete`,
    key: () => beta,
    body: { result: "stolen" },
    status: 403,
    code: "forbidden",
    message: /You do not hold task \d+: Task \d+ is held by alpha since .* lease ends at/,
  },
  {
    name: "another agent failing alpha's task with a made-up token",
    method: "POST",
    path: () => `/v1/tasks/${held.number}/fail`,
    key: () => beta,
    body: { claim_token: "11111111-1111-4111-8111-111111111111", error: "sabotage" },
    status: 403,
    code: "forbidden",
    message: /held by alpha/,
  },
  {
    name: "another agent posting on alpha's task",
    method: "POST",
    path: () => `/v1/tasks/${held.number}/updates`,
    key: () => beta,
    body: { update_type: "progress", message: "hi" },
    status: 403,
    code: "forbidden",
    message: /held by alpha/,
  },
  {
    name: "another agent claiming a task assigned to alpha",
    method: "POST",
    path: () => `/v1/tasks/${held.number}/claim`,
    key: () => beta,
    status: 409,
    code: "conflict",
    message: /already held by alpha/,
  },
  {
    name: "another agent claiming a pending task assigned to alpha",
    method: "POST",
    path: () => `/v1/tasks/${waiting.number}/claim`,
    key: () => beta,
    status: 403,
    code: "forbidden",
    message: /assigned to alpha/,
  },
  {
    name: "another agent's heartbeat",
    method: "POST",
    path: "/v1/agents/alpha/heartbeat",
    key: () => beta,
    body: {},
    status: 403,
    code: "forbidden",
    message: /only for itself/,
  },
  {
    name: "the holder without its token",
    method: "POST",
    path: () => `/v1/tasks/${held.number}/complete`,
    key: () => alpha,
    body: {},
    status: 409,
    code: "lease_conflict",
    message: /Send the claim token/,
  },
];

describe("bad input gets a clear 4xx and changes nothing", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const before = await snapshot();
      const path = typeof c.path === "function" ? c.path() : c.path;
      const r = await hub.call(c.method, path, {
        ...(c.key ? { key: c.key() } : {}),
        ...(c.body !== undefined ? { body: c.body } : {}),
        ...(c.raw !== undefined ? { raw: c.raw } : {}),
        ...(c.headers ? { headers: c.headers } : {}),
      });
      expect(r.status, r.text).toBe(c.status);
      if (c.code) {
        expect(Object.keys(r.body)).toEqual(["error"]);
        expect(r.body.error.code).toBe(c.code);
        expect(r.body.error.message).toMatch(c.message);
        expect(r.text).not.toMatch(/\bat .*\.ts:\d+/); // never a stack
      } else {
        expect(r.text).toMatch(c.message);
      }
      if (c.status === 401) expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await snapshot()).toEqual(before);
    });
  }

  it("unknown routes answer 404 in the same shape", async () => {
    const r = await hub.call("GET", "/v1/nothing-here");
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("not_found");
  });
});
