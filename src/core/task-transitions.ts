import type { Sql } from "../db/sql.ts";
import { type HubError, isHubError } from "../errors.ts";
import { inTransaction, mapDbErrors } from "./db-errors.ts";
import { emitEvent } from "./events.ts";
import { assertHolder, assertStatus } from "./lease-guard.ts";
import { isUuid, type ParsedTaskRef, parseTaskRef } from "./refs.ts";
import { type RowView, TASKS } from "./row-view.ts";
import { type TaskRow, taskFromRow } from "./rows.ts";
import type { Changed } from "./task-changes.ts";
import {
  COMPLETE_FROM,
  completeHeld,
  completeManyHeldAs,
  completeManyThenClaimAs,
  type HeldItem,
  storable,
} from "./task-completions.ts";
import {
  type CheckedClaim,
  type ClaimOutcome,
  type ClaimRequest,
  checkClaims,
  claimOutcome,
} from "./task-leases.ts";
import { summarize, taskPayload } from "./task-payload.ts";
import { loadTaskRow, updateTaskRow } from "./task-queries.ts";
import type { CoreSettings, OpOptions, Task, TaskRef, TaskStatus } from "./types.ts";
import { jsonParam, requireText } from "./validate.ts";

const REASON_MAX = 10_000;

interface Transition {
  verb: string;
  from: readonly TaskStatus[];
  /** agents need the claim token for this one */
  fenced: boolean;
  claimToken?: string | undefined;
  /** SET clause; $1 is the id, then `params` from $2 */
  set: string;
  params: readonly unknown[];
  event: (task: Task, previous: Task) => { type: string; payload: Record<string, unknown> };
}

/**
 * Lock, check, change, record. For agents the lease is checked before the status, so a holder
 * whose lease was reaped hears about the lease (lease_conflict), not about what came after.
 */
async function transition(sql: Sql, ref: TaskRef, op: OpOptions, t: Transition): Promise<Changed> {
  return inTransaction(sql, async (tx) => {
    const row = await loadTaskRow(tx, ref, { lock: true });
    if (t.fenced) assertHolder(row, op.actor, t.claimToken, t.verb);
    assertStatus(row, t.from, t.verb);
    const next: TaskRow = await updateTaskRow(tx, row.id, t.set, t.params);
    const previous = taskFromRow(row);
    const task = taskFromRow(next);
    const e = t.event(task, previous);
    await emitEvent(tx, {
      type: e.type,
      entityType: "task",
      entityId: task.id,
      actor: op.actor,
      payload: e.payload,
    });
    return { task, previous };
  });
}

// A finished task keeps claimed_by and its token (who did it; a retried write gets a clear
// "already completed"); only the lease ends.
const NOW = "coalesce($2::timestamptz, now())";

export async function completeTask(
  sql: Sql,
  ref: TaskRef,
  input: { claimToken?: string; result?: unknown },
  op: OpOptions,
): Promise<Changed> {
  const { resultJson, held } = heldCompletion(ref, input, op);
  if (held) {
    // The agent's usual case in one statement; a miss changed nothing and goes the slow way.
    const done = await mapDbErrors(() =>
      completeHeld(sql, held.ref, held.claimToken, resultJson, op.actor, op.now ?? null),
    );
    if (done) return { task: taskFromRow(done.row), previous: taskFromRow(done.previous) };
  }
  return completeSlowly(sql, ref, resultJson, input.claimToken, op);
}

/** Runs an agent's completion with others in one statement (see src/http/task-batcher.ts). */
export type CompleteHeldInBatch<T> = (item: Omit<HeldItem, "n">) => Promise<T | undefined>;

/**
 * completeTask with the fast part done by `inBatch`, for callers that only need the task (as
 * `inBatch` answers it; `fromTask` makes the same of the slow path's task). A batch that fails
 * or misses changed nothing for this item: the slow path then completes it or says why not.
 */
export async function completeTaskInBatch<T>(
  sql: Sql,
  ref: TaskRef,
  input: { claimToken?: string; result?: unknown },
  op: OpOptions,
  inBatch: CompleteHeldInBatch<T>,
  fromTask: (task: Task) => T,
): Promise<T> {
  const { resultJson, held } = heldCompletion(ref, input, op);
  if (held && op.now === undefined) {
    const done = await inBatch({ ...held, resultJson, actor: op.actor }).catch(() => undefined);
    if (done !== undefined) return done;
  }
  return fromTask((await completeSlowly(sql, ref, resultJson, input.claimToken, op)).task);
}

/** The completion's result as JSON, and whether it may take the one-statement path. */
function heldCompletion(
  ref: TaskRef,
  input: { claimToken?: string; result?: unknown },
  op: OpOptions,
): { resultJson: string | null; held?: { ref: ParsedTaskRef; claimToken: string } } {
  const resultJson = input.result === undefined ? null : jsonParam(input.result);
  const token = input.claimToken;
  const fast = fastRef(ref, token, op);
  return fast && token !== undefined && storable(resultJson)
    ? { resultJson, held: { ref: fast, claimToken: token } }
    : { resultJson };
}

/** Lock, check, change, record: the path that knows why a completion is refused. */
function completeSlowly(
  sql: Sql,
  ref: TaskRef,
  resultJson: string | null,
  claimToken: string | undefined,
  op: OpOptions,
): Promise<Changed> {
  return transition(sql, ref, op, {
    verb: "complete",
    from: COMPLETE_FROM,
    fenced: true,
    claimToken,
    set: `status = 'completed', result = $3::text::jsonb, completed_at = ${NOW}, error = NULL,
          blocked_reason = NULL, lease_expires_at = NULL, started_at = coalesce(started_at, ${NOW})`,
    params: [op.now ?? null, resultJson],
    event: (task, previous) => ({
      type: "task.completed",
      payload: taskPayload(task, {
        completedBy: op.actor.name,
        result: summarize(task.result),
        previousStatus: previous.status,
      }),
    }),
  });
}

/**
 * The ref, when an agent's write may take the one-statement path: an agent with a well-formed
 * token and a well-formed ref. Anything else (a person, a missing or malformed token, a bad
 * ref) goes the slow way, which explains what is wrong.
 */
function fastRef(ref: TaskRef, claimToken: string | undefined, op: OpOptions): ParsedTaskRef | undefined {
  if (op.actor.kind !== "agent" || claimToken === undefined || !isUuid(claimToken)) return undefined;
  try {
    return parseTaskRef(ref);
  } catch {
    return undefined;
  }
}

export async function failTask(
  sql: Sql,
  ref: TaskRef,
  input: { claimToken?: string; error: string },
  op: OpOptions,
): Promise<Changed> {
  const error = requireText("error", input.error, REASON_MAX);
  return transition(sql, ref, op, {
    verb: "fail",
    from: ["pending", "in_progress", "blocked"],
    fenced: true,
    claimToken: input.claimToken,
    set: "status = 'failed', error = $2, blocked_reason = NULL, lease_expires_at = NULL",
    params: [error],
    event: (task, previous) => ({
      type: "task.failed",
      payload: taskPayload(task, { error: summarize(error), previousStatus: previous.status }),
    }),
  });
}

/** An agent blocking its own task keeps the claim (it resumes after); anyone else ends it. */
export async function blockTask(
  sql: Sql,
  ref: TaskRef,
  input: { claimToken?: string; reason: string },
  op: OpOptions,
): Promise<Changed> {
  const reason = requireText("reason", input.reason, REASON_MAX);
  return transition(sql, ref, op, {
    verb: "block",
    from: ["pending", "in_progress", "blocked"],
    fenced: true,
    claimToken: input.claimToken,
    set: `status = 'blocked', blocked_reason = $2,
          claim_token = CASE WHEN $3::boolean THEN claim_token ELSE NULL END,
          lease_expires_at = CASE WHEN $3::boolean THEN lease_expires_at ELSE NULL END`,
    params: [reason, op.actor.kind === "agent"],
    event: (task, previous) => ({
      type: "task.blocked",
      payload: taskPayload(task, { reason, previousStatus: previous.status }),
    }),
  });
}

export async function cancelTask(sql: Sql, ref: TaskRef, op: OpOptions): Promise<Changed> {
  return transition(sql, ref, op, {
    verb: "cancel",
    from: ["pending", "in_progress", "blocked", "failed"],
    fenced: false,
    set: "status = 'cancelled', lease_expires_at = NULL",
    params: [],
    event: (task, previous) => ({
      type: "task.cancelled",
      payload: taskPayload(task, { previousStatus: previous.status }),
    }),
  });
}

/** Back to pending with a clean slate: no claim, no error, attempts from zero. */
export async function reopenTask(sql: Sql, ref: TaskRef, op: OpOptions): Promise<Changed> {
  return transition(sql, ref, op, {
    verb: "reopen",
    from: ["blocked", "completed", "failed", "cancelled"],
    fenced: false,
    set: `status = 'pending', error = NULL, blocked_reason = NULL, result = NULL, completed_at = NULL,
          claimed_by = NULL, claimed_at = NULL, lease_expires_at = NULL, claim_token = NULL, attempts = 0`,
    params: [],
    event: (task, previous) => ({
      type: "task.reopened",
      payload: taskPayload(task, { previousStatus: previous.status }),
    }),
  });
}

export type BatchResult<T = Task> =
  | { ref: TaskRef; ok: true; task: T }
  | { ref: TaskRef; ok: false; error: { code: string; message: string } };

/**
 * The items an agent holds with their tokens complete in one statement (task-completions.ts);
 * the rest then run one by one in their order, each in its own transaction, so one stale token
 * doesn't undo the others and each gets its precise error. Pass the pool, not a transaction:
 * inside one, a database error would abort them all.
 */
export async function completeTasks(
  sql: Sql,
  items: ReadonlyArray<{ ref: TaskRef; claimToken?: string; result?: unknown }>,
  op: OpOptions,
): Promise<BatchResult[]> {
  return completeTasksAs(sql, items, op, TASKS, (t) => t);
}

/** completeTasks, each completed task answered as `view` says (`fromTask`: the slow path's). */
export function completeTasksAs<T>(
  sql: Sql,
  items: ReadonlyArray<{ ref: TaskRef; claimToken?: string; result?: unknown }>,
  op: OpOptions,
  view: RowView<T>,
  fromTask: (task: Task) => T,
): Promise<BatchResult<T>[]> {
  return completeBatch(sql, items, op, fromTask, (held) =>
    completeManyHeldAs(sql, held, op.now ?? null, view),
  );
}

/**
 * completeTasksAs, then the caller's claim (whatever became of the items), made by the same
 * statement as the completions' fast part: one round trip and one commit for a batch worker's
 * "done with these, give me the next".
 */
export async function completeTasksThenClaimAs<T, C>(
  sql: Sql,
  items: ReadonlyArray<{ ref: TaskRef; claimToken?: string; result?: unknown }>,
  op: OpOptions,
  claim: ClaimRequest,
  settings: Pick<CoreSettings, "leaseSeconds">,
  views: { done: RowView<T>; claimed: RowView<C> },
  fromTask: (task: Task) => T,
): Promise<{ results: BatchResult<T>[]; next: ClaimOutcome<C> }> {
  // one request, one answer
  const checked = (await mapDbErrors(() => checkClaims(sql, [claim])))[0] as CheckedClaim | HubError;
  if (isHubError(checked)) {
    const results = await completeTasksAs(sql, items, op, views.done, fromTask);
    return { results, next: { error: checked } };
  }
  let claimed: C[] | undefined;
  const completeThenClaim = async (held: HeldItem[]) => {
    const r = await completeManyThenClaimAs(
      sql,
      held,
      op.now ?? null,
      [{ ...checked, after: null }],
      settings.leaseSeconds,
      views,
    );
    claimed = r.claimed.get(checked.n) ?? [];
    return r.done;
  };
  const results = await completeBatch(sql, items, op, fromTask, completeThenClaim);
  // No fast part ran (no item could take it, or it failed): the same statement claims alone.
  if (claimed === undefined) await completeThenClaim([]);
  return { results, next: await claimOutcome(sql, checked, claimed ?? []) };
}

async function completeBatch<T>(
  sql: Sql,
  items: ReadonlyArray<{ ref: TaskRef; claimToken?: string; result?: unknown }>,
  op: OpOptions,
  fromTask: (task: Task) => T,
  fast: (held: HeldItem[]) => Promise<Map<number, T>>,
): Promise<BatchResult<T>[]> {
  const done = await completeHeldItems(items, op, fast);
  const out: BatchResult<T>[] = [];
  for (const [n, item] of items.entries()) {
    if (done.has(n)) {
      out.push({ ref: item.ref, ok: true, task: done.get(n) as T });
      continue;
    }
    try {
      // A miss of the fast part (or an item it could not take): the fast way would miss again.
      const resultJson = item.result === undefined ? null : jsonParam(item.result);
      const { task } = await completeSlowly(sql, item.ref, resultJson, item.claimToken, op);
      out.push({ ref: item.ref, ok: true, task: fromTask(task) });
    } catch (e) {
      if (!isHubError(e)) throw e;
      out.push({ ref: item.ref, ok: false, error: { code: e.code, message: e.message } });
    }
  }
  return out;
}

/**
 * The batch's fast part. Every item with a valid ref takes part, so a task's first mention is
 * known; only those with a well-formed token can complete. A database error (a result jsonb
 * refuses, a deadlock) changed nothing: then every item goes the slow way and gets its error.
 */
async function completeHeldItems<R>(
  items: ReadonlyArray<{ ref: TaskRef; claimToken?: string; result?: unknown }>,
  op: OpOptions,
  fast: (held: HeldItem[]) => Promise<Map<number, R>>,
): Promise<Map<number, R>> {
  if (op.actor.kind !== "agent") return new Map();
  const held: HeldItem[] = [];
  for (const [n, item] of items.entries()) {
    let ref: ParsedTaskRef;
    let resultJson: string | null;
    try {
      ref = parseTaskRef(item.ref);
      resultJson = item.result === undefined ? null : jsonParam(item.result);
    } catch {
      continue; // its error does not depend on the database: the slow path reports it
    }
    const isFast = item.claimToken !== undefined && isUuid(item.claimToken) && storable(resultJson);
    held.push({ n, ref, claimToken: isFast ? (item.claimToken ?? null) : null, resultJson, actor: op.actor });
  }
  if (!held.some((i) => i.claimToken !== null)) return new Map();
  try {
    return await fast(held);
  } catch {
    return new Map();
  }
}
