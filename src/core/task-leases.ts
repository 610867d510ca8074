import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { inTransaction, mapDbErrors } from "./db-errors.ts";
import { emitEvent, emitEvents } from "./events.ts";
import { assertHolder, assertStatus } from "./lease-guard.ts";
import { resolveProjectId } from "./projects.ts";
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

// Tasks of paused or cancelled projects wait; so the project's status alone pauses its work.
const PROJECT_RUNNING = `NOT EXISTS (SELECT 1 FROM projects p
  WHERE p.id = c.project_id AND p.status IN ('paused', 'cancelled'))`;

/**
 * Claims up to `limit` pending tasks for the agent in one statement: assigned to it or to no
 * one, needing no capability it lacks, most important then oldest. SKIP LOCKED lets many
 * claimers run side by side without waiting on each other or taking the same task. The
 * `task.claimed` events are written by the same statement (a statement is its own
 * transaction), so a claim is one round trip.
 */
export async function claimNext(
  sql: Sql,
  agentName: string,
  opts: { capabilities?: string[]; projects?: string[]; limit?: number },
  settings: Pick<CoreSettings, "leaseSeconds">,
): Promise<ClaimedTask[]> {
  const agent = requireText("agent", agentName, 100);
  const limit = opts.limit === undefined ? 1 : requireInt("limit", opts.limit, 1, 100);
  const given = opts.capabilities === undefined ? undefined : nameList("capabilities", opts.capabilities);
  const projectRefs = opts.projects === undefined ? undefined : nameList("projects", opts.projects, 200);
  const leaseSeconds = requireInt("leaseSeconds", settings.leaseSeconds, 1, 7 * 86_400);

  return mapDbErrors(async () => {
    const projectIds = projectRefs
      ? await Promise.all(projectRefs.map((p) => resolveProjectId(sql, p)))
      : null;
    const actor: Actor = { kind: "agent", name: agent };
    // Named: the hot path's statement is planned once per connection, not on every claim.
    const r = await sql.query<TaskRow & { claim_token: string }>(
      CLAIM_NEXT,
      [
        agent,
        leaseSeconds,
        given ?? null,
        projectIds,
        limit,
        JSON.stringify({ actor: { kind: actor.kind, name: actor.name } }),
      ],
      "agentops_claim_next",
    );
    // Nothing claimed: say so, unless it was because the agent does not exist (no capabilities).
    if (r.rows.length === 0 && given === undefined) await agentCapabilities(sql, agent);
    return r.rows.map(claimedTaskFromRow);
  });
}

// $1 agent, $2 lease seconds, $3 capabilities (null: the agent's registered ones; an unknown
// agent then has none and claims nothing), $4 project ids or null, $5 limit, $6 {actor} JSON.
// The event payload is claimedPayload() in SQL (see task-payload-sql.ts).
const CLAIM_NEXT = `WITH claimed AS (
    UPDATE tasks SET ${CLAIM_SET}
    WHERE status = 'pending' AND id IN (
      SELECT c.id FROM tasks c
      WHERE c.status = 'pending'
        AND (c.assigned_to IS NULL OR c.assigned_to = $1)
        AND c.required_capabilities <@ coalesce($3::text[],
              (SELECT a.capabilities FROM agents a WHERE a.name = $1))
        AND ($4::uuid[] IS NULL OR c.project_id = ANY($4))
        AND ${PROJECT_RUNNING}
      ORDER BY c.priority DESC, c.created_at
      LIMIT $5
      FOR UPDATE OF c SKIP LOCKED)
    RETURNING *
  ), claimed_rows AS (
    SELECT t.*, p.name AS project_name FROM claimed t LEFT JOIN projects p ON p.id = t.project_id
  ), claimed_events AS (
    INSERT INTO events (event_type, entity_type, entity_id, actor, payload)
    SELECT 'task.claimed', 'task', r.id::text, $1,
           ${taskPayloadSql("r", "r.project_name")}
           || jsonb_build_object('attempts', r.attempts, 'maxAttempts', r.max_attempts,
                                 'leaseExpiresAt', ${isoSql("r.lease_expires_at")})
           || $6::text::jsonb
    FROM claimed_rows r
    ORDER BY r.priority DESC, r.created_at
  )
  SELECT * FROM claimed_rows ORDER BY priority DESC, created_at`;

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
