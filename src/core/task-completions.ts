/**
 * The agent's completion as one statement: lock the task only if the agent holds it with this
 * token (what assertHolder + assertStatus would accept), complete it, and write its
 * `task.completed` event, all in one round trip. A miss (0 rows) tells nothing about why: the
 * caller then takes the slow path (task-transitions.ts), which loads the row and says exactly
 * why (lease_conflict, conflict, not_found), so errors stay as informative as before.
 */
import type { Sql } from "../db/sql.ts";
import { mapDbErrors } from "./db-errors.ts";
import { isUuid, type ParsedTaskRef } from "./refs.ts";
import { perView, type RowView, TASK_ROWS } from "./row-view.ts";
import type { TaskRow } from "./rows.ts";
import { type CheckedClaim, CLAIMED_ORDER, claimCtes } from "./task-leases.ts";
import { summarize } from "./task-payload.ts";
import { asStoredJson, taskPayloadSql } from "./task-payload-sql.ts";
import type { Actor, TaskStatus } from "./types.ts";

/** Where completeTask accepts a task from; the slow path's `from`. */
export const COMPLETE_FROM: readonly TaskStatus[] = ["pending", "in_progress", "blocked", "failed"];

const FROM_LIST = COMPLETE_FROM.map((s) => `'${s}'`).join(", ");
const NOW = "coalesce($now::timestamptz, now())";

// The same SET as the slow path's completeTask (task-transitions.ts), qualified because the
// locked row `h` is joined in.
const completeSet = (result: string) => `status = 'completed', result = ${result}, completed_at = ${NOW},
  error = NULL, blocked_reason = NULL, lease_expires_at = NULL, started_at = coalesce(t.started_at, ${NOW})`;

// The event: taskPayload(task, {completedBy, result: summarize(task.result), previousStatus})
// plus the actor; `actor` is its name, `extra` the actor as JSON, and each summary come from JS.
const EVENT = (rows: string, previousStatus: string, summary: string, actor = "$actor", extra = "$extra") => `
  INSERT INTO events (event_type, entity_type, entity_id, actor, payload)
  SELECT 'task.completed', 'task', r.id::text, ${actor},
         ${taskPayloadSql(
           "r",
           "r.project_name",
           `'result', ${summary}, 'previousStatus', ${previousStatus},
            'completedBy', ${actor}::text, 'actor', ${extra}::text::jsonb`,
         )}
  FROM ${rows}`;

/** `$name` placeholders → `$n`, so the statements read by name. */
function numbered(text: string, names: readonly string[]): string {
  return text.replace(/\$([a-z_]+)/g, (_, name: string) => {
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`unknown parameter $${name}`);
    return `$${i + 1}`;
  });
}

const ONE_PARAMS = ["ref", "token", "agent", "now", "result", "summary", "actor", "extra"] as const;

/** The completed row and the row before (`is_previous`), for the task by id or by number. */
const oneStatement = (by: "id" | "number") =>
  numbered(
    `WITH held AS (
       SELECT * FROM tasks
       WHERE ${by} = $ref AND claim_token = $token::uuid AND claimed_by = $agent
         AND status IN (${FROM_LIST})
       FOR UPDATE
     ), done AS (
       UPDATE tasks t SET ${completeSet("$result::text::jsonb")} FROM held h WHERE t.id = h.id
       RETURNING t.*
     ), done_rows AS (
       SELECT d.*, p.name AS project_name FROM done d LEFT JOIN projects p ON p.id = d.project_id
     ), done_events AS (${EVENT("done_rows r JOIN held h ON h.id = r.id", "h.status", "$summary::text")})
     SELECT false AS is_previous, r.* FROM done_rows r
     UNION ALL
     SELECT true, h.*, p.name FROM held h LEFT JOIN projects p ON p.id = h.project_id`,
    ONE_PARAMS,
  );

const ONE_BY_ID = oneStatement("id");
const ONE_BY_NUMBER = oneStatement("number");

/**
 * JSON text jsonb takes for sure. JSON.stringify writes NUL and lone surrogates as \u escapes,
 * which jsonb refuses: such a result goes the slow path, which checks the lease first and
 * then fails as it always did. (An escaped backslash before "u" also matches: harmless.)
 */
export const storable = (resultJson: string | null | undefined): resultJson is string | null =>
  resultJson === null || (typeof resultJson === "string" && !/\\u(0000|d[89a-f])/i.test(resultJson));

/** What an event's `result` says of a stored result: summarize() of the value jsonb gives back. */
export const resultSummary = (resultJson: string | null) =>
  resultJson === null ? null : summarize(asStoredJson(resultJson));

/** The event's `actor`, as taskPayload's callers give it. */
const extraJson = (actor: Actor) =>
  JSON.stringify({
    kind: actor.kind,
    name: actor.name,
    ...(actor.channel ? { channel: actor.channel } : {}),
  });

/**
 * One completion by its holder. Returns the new and previous rows, or undefined when the agent
 * does not hold the task with that token in a completable status (then nothing changed).
 */
export async function completeHeld(
  sql: Sql,
  ref: ParsedTaskRef,
  claimToken: string,
  resultJson: string | null,
  actor: Actor,
  now: Date | null,
): Promise<{ row: TaskRow; previous: TaskRow } | undefined> {
  // Named: the agent's completion is the hot path; planned once per connection, not per call.
  const byId = "id" in ref;
  const r = await sql.query<TaskRow & { is_previous: boolean }>(
    byId ? ONE_BY_ID : ONE_BY_NUMBER,
    oneParams(ref, claimToken, resultJson, actor, now),
    byId ? "agentops_complete_by_id" : "agentops_complete_by_number",
  );
  const row = r.rows.find((x) => !x.is_previous);
  const previous = r.rows.find((x) => x.is_previous);
  return row && previous ? { row, previous } : undefined;
}

function oneParams(
  ref: ParsedTaskRef,
  claimToken: string,
  resultJson: string | null,
  actor: Actor,
  now: Date | null,
): unknown[] {
  const values: Record<(typeof ONE_PARAMS)[number], unknown> = {
    ref: "id" in ref ? ref.id : ref.number,
    token: claimToken,
    agent: actor.name,
    now,
    result: resultJson,
    summary: resultSummary(resultJson),
    actor: actor.name,
    extra: extraJson(actor),
  };
  return ONE_PARAMS.map((k) => values[k]);
}

export interface HeldItem {
  /** the item's place in the batch */
  n: number;
  ref: ParsedTaskRef;
  /** null: the item cannot take the fast path, but still counts as its task's first mention */
  claimToken: string | null;
  resultJson: string | null;
  /** who completes it: items of one batch may come from different agents */
  actor: Actor;
}

const MANY_PARAMS = [
  "n",
  "ids",
  "numbers",
  "tokens",
  "results",
  "summaries",
  "agents",
  "extras",
  "now",
] as const;

// Only the first item that names a task (by id or number) may complete it here: a later item
// for the same task must see the state the earlier one left, as when items ran one by one, so
// it takes the slow path. Rows are locked in id order, so two batches cannot deadlock.
const MANY_CTES = `items AS (
     SELECT x.n, x.token, x.result, x.summary, x.agent, x.extra,
            coalesce(x.id, (SELECT k.id FROM tasks k WHERE k.number = x.num)) AS task_id
     FROM unnest($n::int[], $ids::uuid[], $numbers::bigint[], $tokens::uuid[], $results::text[],
                 $summaries::text[], $agents::text[], $extras::text[])
          AS x(n, id, num, token, result, summary, agent, extra)
   ), firsts AS (
     SELECT DISTINCT ON (task_id) * FROM items WHERE task_id IS NOT NULL ORDER BY task_id, n
   ), held AS (
     SELECT t.id, t.status, f.n, f.result AS new_result, f.summary, f.agent, f.extra
     FROM firsts f JOIN tasks t ON t.id = f.task_id
     WHERE f.token IS NOT NULL AND t.claim_token = f.token AND t.claimed_by = f.agent
       AND t.status IN (${FROM_LIST})
     ORDER BY t.id
     FOR UPDATE OF t
   ), done AS (
     UPDATE tasks t SET ${completeSet("h.new_result::jsonb")} FROM held h WHERE t.id = h.id
     RETURNING t.*, h.n AS item_n, h.status AS previous_status, h.summary AS item_summary,
               h.agent AS item_agent, h.extra AS item_extra
   ), done_rows AS (
     SELECT d.*, p.name AS project_name FROM done d LEFT JOIN projects p ON p.id = d.project_id
   ), done_events AS (${EVENT("done_rows r", "r.previous_status", "r.item_summary", "r.item_agent", "r.item_extra")} ORDER BY r.item_n
     RETURNING id)`;

const many = perView((select) =>
  numbered(`WITH ${MANY_CTES} SELECT r.item_n, ${select} FROM done_rows r ORDER BY r.item_n`, MANY_PARAMS),
);

const THEN_CLAIM_PARAMS = [...MANY_PARAMS, "claims", "lease"] as const;

// The completions, then the claims: one whose `after` names an item is made only if that item
// completed here (an agent's "complete this, then give me the next"); `after: null` always.
// The claims cannot take a task completed here: it is not pending.
const thenClaimTexts = new Map<string, string>();
const manyThenClaim = (done: RowView<unknown>, claimed: RowView<unknown>) => {
  const key = `${done.key}${claimed.key}`;
  let text = thenClaimTexts.get(key);
  if (text === undefined) {
    text = numbered(
      `WITH ${MANY_CTES}, claim_requests AS (
         SELECT coalesce(jsonb_agg(q.c ORDER BY (q.c->>'n')::int), '[]'::jsonb) AS requests
         FROM jsonb_array_elements($claims::text::jsonb) AS q(c)
         WHERE (q.c->'after' = 'null'::jsonb OR (q.c->>'after')::int IN (SELECT item_n FROM done_rows))
           -- read, so the completions' events are written first: they come first in the order
           AND (SELECT count(*) FROM done_events) >= 0
       ), ${claimCtes("(SELECT requests FROM claim_requests)", "$lease::double precision")}
       SELECT false AS is_claim, r.item_n AS n, 0::bigint AS ord, ${done.select} FROM done_rows r
       UNION ALL
       SELECT true, r.claim_n, row_number() OVER (ORDER BY ${CLAIMED_ORDER}), ${claimed.select}
       FROM claimed_rows r
       ORDER BY is_claim, n, ord`,
      THEN_CLAIM_PARAMS,
    );
    thenClaimTexts.set(key, text);
  }
  return text;
};

/**
 * Many completions by their holder in one statement. Returns the completed rows by item place;
 * items missing from the map changed nothing and need the slow path.
 */
export function completeManyHeld(
  sql: Sql,
  items: readonly HeldItem[],
  now: Date | null,
): Promise<Map<number, TaskRow>> {
  return completeManyHeldAs(sql, items, now, TASK_ROWS);
}

/** completeManyHeld, answering with each completed task as `view` says. */
export async function completeManyHeldAs<T>(
  sql: Sql,
  items: readonly HeldItem[],
  now: Date | null,
  view: RowView<T>,
): Promise<Map<number, T>> {
  // Named: prepared and planned once per connection (see postgres.ts).
  const r = await sql.query<{ item_n: number }>(
    many(view),
    manyParams(items, now),
    `agentops_complete_many${view.key}`,
  );
  return new Map(r.rows.map((row) => [Number(row.item_n), view.map(row)]));
}

/** A claim to make after completions: `after`, the item that must complete first (or null). */
export type ClaimAfter = CheckedClaim & { after: number | null };

/**
 * completeManyHeldAs, then claims in the same statement (one round trip, one commit). The two
 * views must select the same columns (the REST API's: one JSON text each). Returns the
 * completed tasks by item place, and the claimed ones by claim place (`n`); a claim whose
 * `after` item missed was not made, and is missing.
 */
export async function completeManyThenClaimAs<T, C>(
  sql: Sql,
  items: readonly HeldItem[],
  now: Date | null,
  claims: readonly ClaimAfter[],
  leaseSeconds: number,
  views: { done: RowView<T>; claimed: RowView<C> },
): Promise<{ done: Map<number, T>; claimed: Map<number, C[]> }> {
  const r = await mapDbErrors(() =>
    sql.query<{ is_claim: boolean; n: number }>(
      manyThenClaim(views.done, views.claimed),
      [...manyParams(items, now), JSON.stringify(claims), leaseSeconds],
      `agentops_complete_then_claim${views.done.key}${views.claimed.key}`,
    ),
  );
  const done = new Map<number, T>();
  const claimed = new Map<number, C[]>();
  for (const row of r.rows) {
    const n = Number(row.n);
    if (!row.is_claim) {
      done.set(n, views.done.map(row));
      continue;
    }
    const list = claimed.get(n) ?? [];
    list.push(views.claimed.map(row));
    claimed.set(n, list);
  }
  return { done, claimed };
}

function manyParams(items: readonly HeldItem[], now: Date | null): unknown[] {
  const values: Record<(typeof MANY_PARAMS)[number], unknown> = {
    n: items.map((i) => i.n),
    ids: items.map((i) => ("id" in i.ref ? i.ref.id : null)),
    numbers: items.map((i) => ("number" in i.ref ? i.ref.number : null)),
    tokens: items.map((i) => (i.claimToken !== null && isUuid(i.claimToken) ? i.claimToken : null)),
    results: items.map((i) => i.resultJson),
    summaries: items.map((i) => (i.claimToken === null ? null : resultSummary(i.resultJson))),
    agents: items.map((i) => i.actor.name),
    extras: items.map((i) => extraJson(i.actor)),
    now,
  };
  return MANY_PARAMS.map((k) => values[k]);
}
