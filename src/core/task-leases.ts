import type { Sql } from "../db/sql.ts";
import { HubError, isHubError } from "../errors.ts";
import { inTransaction, mapDbErrors } from "./db-errors.ts";
import { emitEvent, emitEvents } from "./events.ts";
import { assertHolder, assertStatus } from "./lease-guard.ts";
import { resolveProjectId } from "./projects.ts";
import { CLAIMED_TASKS, perView, type RowView } from "./row-view.ts";
import { claimedTaskFromRow, type TaskRow, taskFromRow } from "./rows.ts";
import { taskPayload } from "./task-payload.ts";
import { isoSql, taskPayloadSql } from "./task-payload-sql.ts";
import { loadTaskRow, returningTask } from "./task-queries.ts";
import type { Actor, ClaimedTask, CoreSettings, Task, TaskRef } from "./types.ts";
import { nameList, requireInt, requireText } from "./validate.ts";

// What a claim sets: a fresh fencing token every time, so a previous holder's writes fail.
const CLAIM_SET = `status = 'in_progress', claimed_by = $1, claimed_at = now(),
  lease_expires_at = now() + make_interval(secs => $2::double precision),
  claim_token = gen_random_uuid(), attempts = attempts + 1, started_at = coalesce(started_at, now())`;

export interface ClaimRequest {
  agent: string;
  capabilities?: string[];
  projects?: string[];
  limit?: number;
}

/**
 * Claims up to `limit` pending tasks for the agent: assigned to it or to no one, needing no
 * capability it lacks, most important then oldest. SKIP LOCKED lets many claimers run side by
 * side without waiting on each other or taking the same task.
 */
export async function claimNext(
  sql: Sql,
  agentName: string,
  opts: Omit<ClaimRequest, "agent">,
  settings: Pick<CoreSettings, "leaseSeconds">,
): Promise<ClaimedTask[]> {
  const [outcome] = await claimNextMany(sql, [{ ...opts, agent: agentName }], settings);
  if (!outcome) return [];
  if ("error" in outcome) throw outcome.error;
  return outcome.tasks;
}

export type ClaimOutcome<T = ClaimedTask> = { tasks: T[] } | { error: HubError };

/**
 * Several claims in one statement (agentops_claim_tasks, migration 0010), each answered in
 * order as if it ran alone after the ones before it; the `task.claimed` events are written by
 * the same statement, so a claim is one round trip however many agents ask. A request that is
 * invalid (or names a project or agent that does not exist) gets its own error and does not
 * hold up the others. A database error rejects the whole call, with nothing claimed.
 */
export function claimNextMany(
  sql: Sql,
  requests: readonly ClaimRequest[],
  settings: Pick<CoreSettings, "leaseSeconds">,
): Promise<ClaimOutcome[]> {
  return claimNextManyAs(sql, requests, settings, CLAIMED_TASKS);
}

/** A claim request checked, as agentops_claim_tasks takes it (`n`: its place in the call). */
export interface CheckedClaim {
  n: number;
  agent: string;
  lim: number;
  capabilities: string[] | null;
  projects: string[] | null;
}

/**
 * Checks each request on its own: a valid one comes back ready for agentops_claim_tasks, an
 * invalid one (or one naming a project that does not exist) as its error, in the same place.
 */
export async function checkClaims(
  sql: Sql,
  requests: readonly ClaimRequest[],
): Promise<(CheckedClaim | HubError)[]> {
  return Promise.all(
    requests.map(async (r, n) => {
      try {
        const agent = requireText("agent", r.agent, 100);
        const lim = r.limit === undefined ? 1 : requireInt("limit", r.limit, 1, 100);
        const capabilities = r.capabilities === undefined ? null : nameList("capabilities", r.capabilities);
        const refs = r.projects === undefined ? undefined : nameList("projects", r.projects, 200);
        const projects = refs ? await Promise.all(refs.map((p) => resolveProjectId(sql, p))) : null;
        return { n, agent, lim, capabilities, projects };
      } catch (e) {
        if (isHubError(e)) return e;
        throw e;
      }
    }),
  );
}

/**
 * A checked claim's outcome, given what the statement claimed for it. Nothing claimed is
 * `not_found` when the agent does not exist (it had no capabilities to claim with); else
 * there was simply no work.
 */
export async function claimOutcome<T>(
  sql: Sql,
  checked: CheckedClaim | HubError,
  tasks: T[],
): Promise<ClaimOutcome<T>> {
  if (isHubError(checked)) return { error: checked };
  if (tasks.length > 0 || checked.capabilities !== null) return { tasks };
  try {
    await agentCapabilities(sql, checked.agent);
    return { tasks };
  } catch (e) {
    if (isHubError(e)) return { error: e };
    throw e;
  }
}

/** claimNextMany, answering each claimed task as `view` says. */
export async function claimNextManyAs<T>(
  sql: Sql,
  requests: readonly ClaimRequest[],
  settings: Pick<CoreSettings, "leaseSeconds">,
  view: RowView<T>,
): Promise<ClaimOutcome<T>[]> {
  const leaseSeconds = requireInt("leaseSeconds", settings.leaseSeconds, 1, 7 * 86_400);
  return mapDbErrors(async () => {
    // Each request's own mistakes stay its own; anything else (the database) fails the call.
    const checked = await checkClaims(sql, requests);
    const asked = checked.filter((c): c is CheckedClaim => !isHubError(c));
    const claimed = new Map<number, T[]>();
    if (asked.length > 0) {
      // Named: the hot path's statement is planned once per connection, not on every claim.
      const rows = await sql.query<{ claim_n: number }>(
        claimMany(view),
        [JSON.stringify(asked), leaseSeconds],
        `agentops_claim_many${view.key}`,
      );
      for (const row of rows.rows) {
        const list = claimed.get(row.claim_n) ?? [];
        list.push(view.map(row));
        claimed.set(row.claim_n, list);
      }
    }
    return Promise.all(checked.map((c, n) => claimOutcome(sql, c, claimed.get(n) ?? [])));
  });
}

/**
 * The claim as CTEs (`claimed`, `claimed_rows`, `claimed_events`) for a statement to build on:
 * `requests` is SQL for the JSON requests [{n, agent, lim, capabilities|null, projects|null}],
 * `lease` for the lease in seconds. The event payload is claimedPayload() in SQL (see
 * task-payload-sql.ts). Claimed rows come in the order CLAIMED_ORDER gives.
 */
export const claimCtes = (requests: string, lease: string) => `claimed AS (
    SELECT f.claim_n, (f.claimed).* FROM agentops_claim_tasks(${requests}, ${lease}) f
  ), claimed_rows AS (
    SELECT t.*, p.name AS project_name FROM claimed t LEFT JOIN projects p ON p.id = t.project_id
  ), claimed_events AS (
    INSERT INTO events (event_type, entity_type, entity_id, actor, payload)
    SELECT 'task.claimed', 'task', r.id::text, r.claimed_by,
           ${taskPayloadSql(
             "r",
             "r.project_name",
             `'attempts', r.attempts, 'maxAttempts', r.max_attempts,
              'leaseExpiresAt', ${isoSql("r.lease_expires_at")},
              'actor', jsonb_build_object('kind', 'agent', 'name', r.claimed_by)`,
           )}
    FROM claimed_rows r
    ORDER BY ${CLAIMED_ORDER}
  )`;

/** Each request's tasks in the order it asked for them. */
export const CLAIMED_ORDER = "r.claim_n, r.priority DESC, r.created_at";

// $1 the requests as JSON, $2 lease seconds.
const claimMany = perView(
  (select) => `WITH ${claimCtes("$1::text::jsonb", "$2::double precision")}
  SELECT r.claim_n, ${select} FROM claimed_rows r ORDER BY ${CLAIMED_ORDER}`,
);

/** Claims one named task; `conflict` when it is not pending or not for this agent. */
export async function claimTask(
  sql: Sql,
  ref: TaskRef,
  agentName: string,
  settings: Pick<CoreSettings, "leaseSeconds">,
): Promise<ClaimedTask> {
  const agent = requireText("agent", agentName, 100);
  const leaseSeconds = requireInt("leaseSeconds", settings.leaseSeconds, 1, 7 * 86_400);
  return inTransaction(sql, async (tx) => {
    const caps = await agentCapabilities(tx, agent);
    const row = await loadTaskRow(tx, ref, { lock: true });
    const n = Number(row.number);
    if (row.status === "in_progress" && row.claimed_by) {
      throw new HubError("conflict", `Task ${n} is already held by ${row.claimed_by}.`, {
        details: { task: n, status: row.status, holder: row.claimed_by },
      });
    }
    assertStatus(row, ["pending"], "claim");
    if (row.assigned_to && row.assigned_to !== agent) {
      throw new HubError("conflict", `Task ${n} is assigned to ${row.assigned_to}, not ${agent}.`, {
        details: { task: n, assignedTo: row.assigned_to },
      });
    }
    const missing = row.required_capabilities.filter((c) => !caps.includes(c));
    if (missing.length > 0) {
      throw new HubError("conflict", `Task ${n} needs ${missing.join(", ")}, which ${agent} does not have.`, {
        details: { task: n, missing },
      });
    }
    const paused = await tx.query<{ name: string; status: string }>(
      "SELECT name, status FROM projects WHERE id = $1 AND status IN ('paused', 'cancelled')",
      [row.project_id],
    );
    const project = paused.rows[0];
    if (project) {
      throw new HubError(
        "conflict",
        `Task ${n} belongs to project ${project.name}, which is ${project.status}.`,
        {
          details: { task: n, project: project.name },
        },
      );
    }
    const r = await tx.query<TaskRow>(returningTask(`UPDATE tasks SET ${CLAIM_SET} WHERE id = $3`), [
      agent,
      leaseSeconds,
      row.id,
    ]);
    const task = claimedTaskFromRow(r.rows[0] as TaskRow);
    await emitEvent(tx, {
      type: "task.claimed",
      entityType: "task",
      entityId: task.id,
      actor: { kind: "agent", name: agent },
      payload: claimedPayload(task),
    });
    return task;
  });
}

/**
 * Pushes the lease out by leaseSeconds from now. No event: it happens every few seconds per
 * task and tells a person nothing.
 */
export async function extendLease(
  sql: Sql,
  ref: TaskRef,
  agentName: string,
  claimToken: string,
  settings: Pick<CoreSettings, "leaseSeconds">,
): Promise<Task> {
  const agent = requireText("agent", agentName, 100);
  const leaseSeconds = requireInt("leaseSeconds", settings.leaseSeconds, 1, 7 * 86_400);
  return inTransaction(sql, async (tx) => {
    const row = await loadTaskRow(tx, ref, { lock: true });
    assertHolder(row, { kind: "agent", name: agent }, claimToken, "extend the lease on");
    const r = await tx.query<TaskRow>(
      returningTask(
        "UPDATE tasks SET lease_expires_at = now() + make_interval(secs => $2::double precision) WHERE id = $1",
      ),
      [row.id, leaseSeconds],
    );
    return taskFromRow(r.rows[0] as TaskRow);
  });
}

const REAPER: Actor = { kind: "system", name: "reaper" };

/**
 * Expired leases: back to pending with the claim cleared, or failed once the task has used
 * its attempts. Locked rows are skipped (their holder is writing right now), and at most
 * `batch` tasks go per call, so a reaper tick stays short.
 */
export async function reapExpiredLeases(
  sql: Sql,
  _settings: Partial<CoreSettings>,
  opts: { now?: Date; batch?: number } = {},
): Promise<{ requeued: Task[]; failed: Task[] }> {
  const batch = opts.batch === undefined ? 500 : requireInt("batch", opts.batch, 1, 10_000);
  return inTransaction(sql, async (tx) => {
    const r = await tx.query<TaskRow & { last_holder: string | null }>(
      `WITH expired AS (
         SELECT id, claimed_by FROM tasks
         WHERE status = 'in_progress' AND lease_expires_at < coalesce($1::timestamptz, now())
         ORDER BY lease_expires_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       ), reaped AS (
         UPDATE tasks t SET
           status = CASE WHEN t.attempts >= t.max_attempts THEN 'failed' ELSE 'pending' END,
           error = CASE WHEN t.attempts >= t.max_attempts
                        THEN 'lease expired ' || t.attempts || ' times (last holder '
                             || coalesce(e.claimed_by, 'unknown') || ')'
                        ELSE t.error END,
           claimed_by = NULL, claimed_at = NULL, lease_expires_at = NULL, claim_token = NULL
         FROM expired e WHERE t.id = e.id
         RETURNING t.*, e.claimed_by AS last_holder
       )
       SELECT r.*, p.name AS project_name FROM reaped r LEFT JOIN projects p ON p.id = r.project_id
       ORDER BY r.priority DESC, r.created_at`,
      [opts.now ?? null, batch],
    );
    const requeued: Task[] = [];
    const failed: Task[] = [];
    const events = r.rows.map((row) => {
      const task = taskFromRow(row);
      const holder = row.last_holder;
      if (task.status === "failed") {
        failed.push(task);
        return {
          type: "task.failed",
          entityType: "task",
          entityId: task.id,
          actor: REAPER,
          payload: taskPayload(task, { error: task.error, reason: "lease_expired", lastHolder: holder }),
        };
      }
      requeued.push(task);
      return {
        type: "task.lease_expired",
        entityType: "task",
        entityId: task.id,
        actor: REAPER,
        payload: taskPayload(task, {
          lastHolder: holder,
          attempts: task.attempts,
          maxAttempts: task.maxAttempts,
        }),
      };
    });
    await emitEvents(tx, events);
    return { requeued, failed };
  });
}

async function agentCapabilities(tx: Sql, agent: string): Promise<string[]> {
  const r = await tx.query<{ capabilities: string[] }>("SELECT capabilities FROM agents WHERE name = $1", [
    agent,
  ]);
  const row = r.rows[0];
  if (!row)
    throw new HubError("not_found", `There is no agent named ${JSON.stringify(agent)}.`, {
      details: { agent },
    });
  return row.capabilities ?? [];
}

const claimedPayload = (t: ClaimedTask) =>
  taskPayload(t, {
    holder: t.claimedBy,
    attempts: t.attempts,
    maxAttempts: t.maxAttempts,
    leaseExpiresAt: t.leaseExpiresAt,
  });
