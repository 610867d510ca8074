import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { inTransaction, mapDbErrors } from "./db-errors.ts";
import { emitEvent } from "./events.ts";
import { isPriorityName, parsePriority, priorityBand } from "./priority.ts";
import { resolveProjectId } from "./projects.ts";
import { type TaskRow, taskFromRow } from "./rows.ts";
import { decodeCursor, encodeCursor } from "./task-cursor.ts";
import { taskPayload } from "./task-payload.ts";
import { loadTaskRow, requireAgentExists, returningTask, TASK_SELECT } from "./task-queries.ts";
import type {
  CoreSettings,
  OpOptions,
  Page,
  PriorityInput,
  PriorityName,
  ProjectRef,
  Task,
  TaskRef,
  TaskStatus,
} from "./types.ts";
import {
  jsonObject,
  jsonParam,
  nameList,
  optionalText,
  parseDate,
  requireInt,
  requireText,
} from "./validate.ts";

export const TASK_STATUSES: readonly TaskStatus[] = [
  "pending",
  "in_progress",
  "blocked",
  "completed",
  "failed",
  "cancelled",
];
export const OPEN_STATUSES: readonly TaskStatus[] = ["pending", "in_progress", "blocked"];
export const TITLE_MAX = 500;
export const DESCRIPTION_MAX = 100_000;

export interface NewTask {
  title: string;
  description?: string | null;
  project?: ProjectRef | null;
  priority?: PriorityInput;
  dueAt?: Date | string | null;
  assignedTo?: string | null;
  requiredCapabilities?: string[];
  input?: Record<string, unknown>;
  maxAttempts?: number;
  /** the parent's id or number */
  parentTaskId?: TaskRef | null;
}

export async function createTask(
  sql: Sql,
  input: NewTask,
  op: OpOptions,
  settings?: Pick<CoreSettings, "maxAttempts">,
): Promise<Task> {
  const title = requireText("title", input.title, TITLE_MAX);
  const description = optionalText("description", input.description, DESCRIPTION_MAX);
  const priority = input.priority === undefined ? 50 : parsePriority(input.priority);
  const dueAt = input.dueAt === undefined ? null : parseDate("dueAt", input.dueAt);
  const assignedTo = optionalText("assignedTo", input.assignedTo, 100);
  const caps =
    input.requiredCapabilities === undefined
      ? []
      : nameList("requiredCapabilities", input.requiredCapabilities);
  const taskInput = jsonObject("input", input.input);
  const maxAttempts = requireInt("maxAttempts", input.maxAttempts ?? settings?.maxAttempts ?? 3, 1, 100);

  return inTransaction(sql, async (tx) => {
    const projectId = input.project == null ? null : await resolveProjectId(tx, input.project);
    const parentId = input.parentTaskId == null ? null : (await loadTaskRow(tx, input.parentTaskId)).id;
    if (assignedTo) await requireAgentExists(tx, assignedTo);
    const r = await tx.query<TaskRow>(
      returningTask(
        `INSERT INTO tasks (title, description, project_id, parent_task_id, priority, due_at, assigned_to,
                            required_capabilities, input, max_attempts, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9::text::jsonb, $10, $11)`,
      ),
      [
        title,
        description,
        projectId,
        parentId,
        priority,
        dueAt,
        assignedTo,
        caps,
        jsonParam(taskInput),
        maxAttempts,
        op.actor.name,
      ],
    );
    const task = taskFromRow(r.rows[0] as TaskRow);
    await emitEvent(tx, {
      type: "task.created",
      entityType: "task",
      entityId: task.id,
      actor: op.actor,
      payload: taskPayload(task, { description: task.description, createdBy: task.createdBy }),
    });
    return task;
  });
}

export async function getTask(sql: Sql, ref: TaskRef): Promise<Task> {
  return mapDbErrors(async () => taskFromRow(await loadTaskRow(sql, ref)));
}

export interface TaskFilter {
  status?: TaskStatus | TaskStatus[];
  project?: ProjectRef;
  /** the agent a task is assigned to or held by; null: unassigned tasks */
  assignee?: string | null;
  /** a name is its display band (high = 63–87), a number an exact value */
  priority?: PriorityName | number;
  /** every word must appear in the title */
  search?: string;
  limit?: number;
  cursor?: string;
}

type SortedRow = TaskRow & { sort_due: string; sort_created: string };

// The filters of TaskFilter as SQL over tasks t, parameters $1..$7 (see filterParams).
const FILTER_WHERE = `($1::text[] IS NULL OR t.status = ANY($1))
         AND ($2::uuid IS NULL OR t.project_id = $2)
         AND ($3::text IS NULL OR t.assigned_to = $3 OR t.claimed_by = $3)
         AND (NOT $4::boolean OR t.assigned_to IS NULL)
         AND -t.priority BETWEEN -$6::int AND -$5::int
         AND ($7::text[] IS NULL OR NOT EXISTS (
               SELECT 1 FROM unnest($7::text[]) w WHERE t.title NOT ILIKE '%' || w || '%'))`;

async function filterParams(sql: Sql, f: TaskFilter): Promise<unknown[]> {
  const statuses =
    f.status === undefined ? null : (Array.isArray(f.status) ? f.status : [f.status]).map(checkStatus);
  const [pMin, pMax] = priorityRange(f.priority);
  const words = f.search === undefined ? null : searchWords(f.search);
  const projectId = f.project === undefined ? null : await resolveProjectId(sql, f.project);
  return [statuses, projectId, f.assignee ?? null, f.assignee === null, pMin, pMax, words];
}

/** How many tasks match the filters (limit and cursor aside). */
export async function countTasks(sql: Sql, f: TaskFilter = {}): Promise<number> {
  return mapDbErrors(async () => {
    const r = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tasks t WHERE ${FILTER_WHERE}`,
      await filterParams(sql, f),
    );
    return Number(r.rows[0]?.n ?? 0);
  });
}

/**
 * Completed tasks, the most recently finished first: what a person asking "what got done"
 * means (most important first would put a year-old task ahead of this morning's). One page.
 */
export async function listRecentlyCompleted(
  sql: Sql,
  f: Omit<TaskFilter, "status" | "cursor"> = {},
): Promise<Task[]> {
  const limit = f.limit === undefined ? 50 : requireInt("limit", f.limit, 1, 500);
  return mapDbErrors(async () => {
    const r = await sql.query<TaskRow>(
      // idx_tasks_completed_at, walked from its newest end
      `${TASK_SELECT} WHERE ${FILTER_WHERE} ORDER BY t.completed_at DESC NULLS LAST, t.id LIMIT $8`,
      [...(await filterParams(sql, { ...f, status: "completed" })), limit],
    );
    return r.rows.map(taskFromRow);
  });
}

/** Most important first: priority, then due soonest (undated last), then oldest. */
export async function listTasks(sql: Sql, f: TaskFilter = {}): Promise<Page<Task>> {
  const limit = f.limit === undefined ? 50 : requireInt("limit", f.limit, 1, 500);
  const after = f.cursor ? decodeCursor(f.cursor) : undefined;

  return mapDbErrors(async () => {
    const r = await sql.query<SortedRow>(
      `${TASK_SELECT.replace(
        "SELECT t.*,",
        `SELECT t.*,
           CASE WHEN t.due_at IS NULL THEN 'infinity'
                ELSE to_char(t.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END AS sort_due,
           to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_created,`,
      )}
       WHERE ${FILTER_WHERE}
         AND ($8::int IS NULL OR (-t.priority, coalesce(t.due_at, 'infinity'::timestamptz), t.created_at, t.id)
                                 > (-$8::int, $9::timestamptz, $10::timestamptz, $11::uuid))
       -- idx_tasks_list_order: the page is a range of the index, not a sort of every match
       ORDER BY -t.priority, coalesce(t.due_at, 'infinity'::timestamptz), t.created_at, t.id
       LIMIT $12`,
      [
        ...(await filterParams(sql, f)),
        after?.priority ?? null,
        after?.due ?? null,
        after?.created ?? null,
        after?.id ?? null,
        limit + 1,
      ],
    );
    const rows = r.rows.slice(0, limit);
    const last = rows.at(-1);
    const page: Page<Task> = { items: rows.map(taskFromRow) };
    if (r.rows.length > limit && last) {
      page.nextCursor = encodeCursor({
        priority: last.priority,
        due: last.sort_due,
        created: last.sort_created,
        id: last.id,
      });
    }
    return page;
  });
}

// Words a person says around a title ("the landing page task") that say nothing about which.
const STOP_WORDS = new Set([
  "the",
  "a",
  "an",
  "task",
  "tasks",
  "to",
  "of",
  "for",
  "and",
  "on",
  "in",
  "my",
  "that",
  "this",
  "one",
  "about",
]);

/**
 * Tasks whose titles hold the most of the given words, for "the landing page task": every word
 * counts, exact titles first, then open ones, then the most important and most recent.
 */
export async function findTasks(
  sql: Sql,
  titleWords: string,
  opts: { openOnly?: boolean; limit?: number } = {},
): Promise<Task[]> {
  const all = searchWords(titleWords);
  const words = all.filter((w) => !STOP_WORDS.has(w.toLowerCase()));
  const useWords = words.length > 0 ? words : all;
  if (useWords.length === 0) return [];
  const limit = opts.limit === undefined ? 5 : requireInt("limit", opts.limit, 1, 100);
  const r = await sql.query<TaskRow & { hits: number }>(
    `SELECT * FROM (
       ${TASK_SELECT.replace(
         "SELECT t.*,",
         "SELECT t.*, (SELECT count(*) FROM unnest($1::text[]) w WHERE t.title ILIKE '%' || w || '%') AS hits,",
       )}
       WHERE (NOT $2::boolean OR t.status IN ('pending', 'in_progress', 'blocked'))
     ) m
     WHERE m.hits > 0
     ORDER BY lower(m.title) = lower($3) DESC, m.hits DESC,
              (m.status IN ('pending', 'in_progress', 'blocked')) DESC, m.priority DESC, m.updated_at DESC
     LIMIT $4`,
    [useWords, opts.openOnly === true, titleWords.trim(), limit],
  );
  return r.rows.map(taskFromRow);
}

/** Words for ILIKE, with its wildcards escaped so "100%" means a literal percent sign. */
function searchWords(text: string): string[] {
  if (typeof text !== "string") throw new HubError("validation", "search must be text.");
  return text
    .split(/\s+/)
    .map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ""))
    .filter((w) => w.length > 0)
    .slice(0, 20)
    .map((w) => w.replace(/[\\%_]/g, (c) => `\\${c}`));
}

function checkStatus(s: unknown): TaskStatus {
  if (TASK_STATUSES.includes(s as TaskStatus)) return s as TaskStatus;
  throw new HubError(
    "validation",
    `Task status must be one of ${TASK_STATUSES.join(", ")}; got ${JSON.stringify(s)}.`,
    {
      details: { field: "status" },
    },
  );
}

function priorityRange(p: PriorityName | number | undefined): [number, number] {
  if (p === undefined) return [0, 100];
  if (typeof p === "string" && isPriorityName(p)) return priorityBand(p);
  const n = parsePriority(p);
  return [n, n];
}
