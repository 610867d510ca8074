import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { inTransaction, mapDbErrors } from "./db-errors.ts";
import { emitEvent } from "./events.ts";
import { assertHolder, assertStatus, isHeld } from "./lease-guard.ts";
import { type TaskRow, type TaskUpdateRow, taskFromRow, taskUpdateFromRow } from "./rows.ts";
import { taskPayload } from "./task-payload.ts";
import { loadTaskRow, updateTaskRow } from "./task-queries.ts";
import type { OpOptions, Task, TaskRef, TaskUpdate, UpdateType } from "./types.ts";
import { jsonObject, jsonParam, parseDate, requireInt, requireText } from "./validate.ts";

const UPDATE_TYPES: readonly UpdateType[] = [
  "progress",
  "note",
  "question",
  "answer",
  "status_change",
  "comment",
  "error",
];
const MESSAGE_MAX = 20_000;

const EVENT_FOR: Record<UpdateType, string> = {
  progress: "task.progress",
  note: "task.progress",
  status_change: "task.progress",
  error: "task.progress",
  question: "task.question",
  answer: "task.answered",
  comment: "task.commented",
};

/**
 * An agent's progress, note or question. On a task someone holds, the writer must be that
 * holder with its token; an unheld task takes notes from any agent. A question blocks the
 * task (the claim stays, so the agent resumes when the person answers).
 */
export async function addTaskUpdate(
  sql: Sql,
  ref: TaskRef,
  input: { updateType: UpdateType; message: string; data?: Record<string, unknown> },
  op: OpOptions & { claimToken?: string },
): Promise<TaskUpdate> {
  if (!UPDATE_TYPES.includes(input.updateType)) {
    throw new HubError(
      "validation",
      `Update type must be one of ${UPDATE_TYPES.join(", ")}; got ${JSON.stringify(input.updateType)}.`,
      { details: { field: "updateType" } },
    );
  }
  const message = requireText("message", input.message, MESSAGE_MAX);
  const data = jsonObject("data", input.data);
  return inTransaction(sql, async (tx) => {
    let row = await loadTaskRow(tx, ref, { lock: true });
    if (isHeld(row) || op.claimToken !== undefined) assertHolder(row, op.actor, op.claimToken, "update");
    if (input.updateType === "question") {
      assertStatus(row, ["pending", "in_progress", "blocked"], "ask");
      row = await updateTaskRow(tx, row.id, "status = 'blocked', blocked_reason = $2", [message]);
    }
    const update = await insertUpdate(tx, row.id, op.actor.name, input.updateType, message, data);
    const task = taskFromRow(row);
    await emitEvent(tx, {
      type: EVENT_FOR[input.updateType],
      entityType: "task",
      entityId: task.id,
      actor: op.actor,
      payload: taskPayload(task, {
        updateId: update.id,
        updateType: update.updateType,
        message,
        ...(input.updateType === "question" ? { question: message } : {}),
      }),
    });
    return update;
  });
}

/**
 * A person's note for the agent. On a task blocked by a question it is the answer: the task
 * goes back to its holder if the lease is still live, else to the queue.
 */
export async function commentOnTask(
  sql: Sql,
  ref: TaskRef,
  message: string,
  op: OpOptions,
): Promise<{ update: TaskUpdate; unblocked: boolean; task: Task }> {
  const text = requireText("message", message, MESSAGE_MAX);
  return inTransaction(sql, async (tx) => {
    const row = await loadTaskRow(tx, ref, { lock: true });
    const question = await openQuestion(tx, row);
    if (question === undefined) {
      const update = await insertUpdate(tx, row.id, op.actor.name, "comment", text, {});
      const task = taskFromRow(row);
      await emitEvent(tx, {
        type: "task.commented",
        entityType: "task",
        entityId: task.id,
        actor: op.actor,
        payload: taskPayload(task, { updateId: update.id, comment: text }),
      });
      return { update, unblocked: false, task };
    }
    const next = await updateTaskRow(
      tx,
      row.id,
      `blocked_reason = NULL,
       status = CASE WHEN claim_token IS NOT NULL AND lease_expires_at > coalesce($2::timestamptz, now())
                     THEN 'in_progress' ELSE 'pending' END,
       claimed_by = CASE WHEN claim_token IS NOT NULL AND lease_expires_at > coalesce($2::timestamptz, now())
                         THEN claimed_by END,
       claimed_at = CASE WHEN claim_token IS NOT NULL AND lease_expires_at > coalesce($2::timestamptz, now())
                         THEN claimed_at END,
       lease_expires_at = CASE WHEN claim_token IS NOT NULL AND lease_expires_at > coalesce($2::timestamptz, now())
                               THEN lease_expires_at END,
       claim_token = CASE WHEN claim_token IS NOT NULL AND lease_expires_at > coalesce($2::timestamptz, now())
                          THEN claim_token END`,
      [op.now ?? null],
    );
    const update = await insertUpdate(tx, row.id, op.actor.name, "answer", text, { question });
    const task = taskFromRow(next);
    await emitEvent(tx, {
      type: "task.answered",
      entityType: "task",
      entityId: task.id,
      actor: op.actor,
      payload: taskPayload(task, { updateId: update.id, question, answer: text, resumedAs: task.status }),
    });
    return { update, unblocked: true, task };
  });
}

/** Newest first; `before` pages back in time. */
export async function listTaskUpdates(
  sql: Sql,
  ref: TaskRef,
  opts: { limit?: number; before?: Date | string } = {},
): Promise<TaskUpdate[]> {
  const limit = opts.limit === undefined ? 50 : requireInt("limit", opts.limit, 1, 500);
  const before = opts.before === undefined ? null : parseDate("before", opts.before);
  return mapDbErrors(async () => {
    const row = await loadTaskRow(sql, ref);
    const r = await sql.query<TaskUpdateRow>(
      `SELECT * FROM task_updates WHERE task_id = $1 AND ($2::timestamptz IS NULL OR created_at < $2)
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [row.id, before, limit],
    );
    return r.rows.map(taskUpdateFromRow);
  });
}

/** The question a blocked task waits on: its latest question, when no answer came after it. */
async function openQuestion(tx: Sql, row: TaskRow): Promise<string | undefined> {
  if (row.status !== "blocked" || row.blocked_reason === null) return undefined;
  const r = await tx.query<{ update_type: UpdateType; message: string }>(
    `SELECT update_type, message FROM task_updates
     WHERE task_id = $1 AND update_type IN ('question', 'answer')
     ORDER BY created_at DESC, update_type = 'answer' DESC LIMIT 1`,
    [row.id],
  );
  const last = r.rows[0];
  return last?.update_type === "question" && last.message === row.blocked_reason ? last.message : undefined;
}

async function insertUpdate(
  tx: Sql,
  taskId: string,
  author: string,
  type: UpdateType,
  message: string,
  data: Record<string, unknown>,
): Promise<TaskUpdate> {
  const r = await tx.query<TaskUpdateRow>(
    `INSERT INTO task_updates (task_id, agent_name, update_type, message, data)
     VALUES ($1, $2, $3, $4, $5::text::jsonb) RETURNING *`,
    [taskId, author, type, message, jsonParam(data)],
  );
  return taskUpdateFromRow(r.rows[0] as TaskUpdateRow);
}
