import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { inTransaction } from "./db-errors.ts";
import { diff } from "./diff.ts";
import { emitEvent } from "./events.ts";
import { assertHolder } from "./lease-guard.ts";
import { parsePriority } from "./priority.ts";
import { resolveProjectId } from "./projects.ts";
import { taskFromRow } from "./rows.ts";
import { taskPayload } from "./task-payload.ts";
import { loadTaskRow, requireAgentExists, updateTaskRow } from "./task-queries.ts";
import { DESCRIPTION_MAX, TASK_STATUSES, TITLE_MAX } from "./tasks.ts";
import type { OpOptions, PriorityInput, ProjectRef, Task, TaskRef } from "./types.ts";
import { jsonObject, jsonParam, optionalText, parseDate, requireText } from "./validate.ts";

export interface TaskChanges {
  title?: string;
  description?: string | null;
  priority?: PriorityInput;
  dueAt?: Date | string | null;
  /** null takes the task out of its project */
  project?: ProjectRef | null;
  input?: Record<string, unknown>;
}

export interface Changed {
  task: Task;
  /** the task before the change: the dispatcher keeps it for undo (restoreTask) */
  previous: Task;
}

const EDITABLE = ["title", "description", "priority", "dueAt", "projectId", "input"] as const;

export async function updateTask(
  sql: Sql,
  ref: TaskRef,
  ch: TaskChanges,
  op: OpOptions & { claimToken?: string },
): Promise<Changed> {
  const title = ch.title === undefined ? undefined : requireText("title", ch.title, TITLE_MAX);
  const description =
    ch.description === undefined ? undefined : optionalText("description", ch.description, DESCRIPTION_MAX);
  const priority = ch.priority === undefined ? undefined : parsePriority(ch.priority);
  const dueAt = ch.dueAt === undefined ? undefined : parseDate("dueAt", ch.dueAt);
  const input = ch.input === undefined ? undefined : jsonObject("input", ch.input);

  return inTransaction(sql, async (tx) => {
    const row = await loadTaskRow(tx, ref, { lock: true });
    assertHolder(row, op.actor, op.claimToken, "update");
    const projectId =
      ch.project === undefined
        ? undefined
        : ch.project === null
          ? null
          : await resolveProjectId(tx, ch.project);
    const next = await updateTaskRow(
      tx,
      row.id,
      `title = coalesce($2, title),
       description = CASE WHEN $3::boolean THEN $4 ELSE description END,
       priority = coalesce($5, priority),
       due_at = CASE WHEN $6::boolean THEN $7::timestamptz ELSE due_at END,
       project_id = CASE WHEN $8::boolean THEN $9::uuid ELSE project_id END,
       input = coalesce($10::text::jsonb, input)`,
      [
        title ?? null,
        description !== undefined,
        description ?? null,
        priority ?? null,
        dueAt !== undefined,
        dueAt ?? null,
        projectId !== undefined,
        projectId ?? null,
        input === undefined ? null : jsonParam(input),
      ],
    );
    const previous = taskFromRow(row);
    const task = taskFromRow(next);
    const changes = diff(previous, task, EDITABLE);
    if (Object.keys(changes).length > 0) {
      await emitEvent(tx, {
        type: "task.updated",
        entityType: "task",
        entityId: task.id,
        actor: op.actor,
        payload: taskPayload(task, { changes }),
      });
    }
    return { task, previous };
  });
}

/** Assign to an agent, or unassign with null. A claim in progress is left alone. */
export async function assignTask(
  sql: Sql,
  ref: TaskRef,
  agentName: string | null,
  op: OpOptions,
): Promise<Changed> {
  const name = agentName === null ? null : requireText("agent", agentName, 100);
  return inTransaction(sql, async (tx) => {
    const row = await loadTaskRow(tx, ref, { lock: true });
    if (name) await requireAgentExists(tx, name);
    const next = await updateTaskRow(tx, row.id, "assigned_to = $2", [name]);
    const previous = taskFromRow(row);
    const task = taskFromRow(next);
    if (previous.assignedTo !== task.assignedTo) {
      await emitEvent(tx, {
        type: "task.assigned",
        entityType: "task",
        entityId: task.id,
        actor: op.actor,
        payload: taskPayload(task, { assignee: task.assignedTo, previousAssignee: previous.assignedTo }),
      });
    }
    return { task, previous };
  });
}

/**
 * Undo: puts back what a person sees of the snapshot. A claim comes back only with the same
 * holder still recorded (its token is not in the snapshot); otherwise it stays cleared and the
 * reaper requeues the task when the snapshot's lease has run out.
 */
export async function restoreTask(sql: Sql, ref: TaskRef, snapshot: Task, op: OpOptions): Promise<Task> {
  if (!TASK_STATUSES.includes(snapshot.status)) {
    throw new HubError("validation", "The snapshot to restore is not a task.");
  }
  return inTransaction(sql, async (tx) => {
    const row = await loadTaskRow(tx, ref, { lock: true });
    if (row.id !== snapshot.id) {
      throw new HubError("validation", `That snapshot is of another task, not task ${row.number}.`);
    }
    const agent = snapshot.assignedTo
      ? await tx.query("SELECT 1 FROM agents WHERE name = $1", [snapshot.assignedTo])
      : undefined;
    const project = snapshot.projectId
      ? await tx.query("SELECT 1 FROM projects WHERE id = $1", [snapshot.projectId])
      : undefined;
    const next = await updateTaskRow(
      tx,
      row.id,
      `status = $2, priority = $3, due_at = $4, assigned_to = $5, title = $6, description = $7,
       project_id = $8, blocked_reason = $9, error = $10, result = $11::text::jsonb, completed_at = $12,
       claim_token = CASE WHEN $13::text IS NOT NULL AND claimed_by = $13 THEN claim_token ELSE NULL END,
       claimed_by = $13, claimed_at = $14, lease_expires_at = $15`,
      [
        snapshot.status,
        snapshot.priority,
        snapshot.dueAt,
        agent?.rows.length ? snapshot.assignedTo : null,
        snapshot.title,
        snapshot.description,
        project?.rows.length ? snapshot.projectId : null,
        snapshot.blockedReason,
        snapshot.error,
        snapshot.result === null || snapshot.result === undefined ? null : jsonParam(snapshot.result),
        snapshot.completedAt,
        snapshot.claimedBy,
        snapshot.claimedBy ? snapshot.claimedAt : null,
        snapshot.claimedBy ? snapshot.leaseExpiresAt : null,
      ],
    );
    const previous = taskFromRow(row);
    const task = taskFromRow(next);
    await emitEvent(tx, {
      type: "task.updated",
      entityType: "task",
      entityId: task.id,
      actor: op.actor,
      payload: taskPayload(task, {
        undo: true,
        changes: diff(previous, task, [
          "status",
          "priority",
          "dueAt",
          "assignedTo",
          "title",
          "description",
          "projectId",
        ]),
      }),
    });
    return task;
  });
}
