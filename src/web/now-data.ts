import { listTasks } from "../core/index.ts";
import { type TaskRow, taskFromRow } from "../core/rows.ts";
import { TASK_SELECT } from "../core/task-queries.ts";
import type { Task } from "../core/types.ts";
import type { Sql } from "../db/sql.ts";
import { finishedSince } from "./sessions.ts";

/** How far ahead "due soon" looks. */
export const DUE_WINDOW_DAYS = 3;

export interface OpenQuestion {
  task: Task;
  question: string;
  askedBy: string | null;
  askedAt: Date;
}

/** What needs the person now, and what finished since their last visit. */
export interface NowData {
  questions: OpenQuestion[];
  /** blocked without an open question, and failed */
  stuck: Task[];
  due: Task[];
  finished: Task[];
  since: Date;
}

/**
 * The first screen's data. A blocked task whose latest question/answer is a question waits
 * for an answer (commentOnTask then unblocks it); other blocked and failed tasks need a
 * decision. Each task appears once, in the first section it fits.
 */
export async function loadNow(sql: Sql, sessionId: string, now: Date): Promise<NowData> {
  const attention = (await listTasks(sql, { status: ["blocked", "failed"], limit: 200 })).items;
  const blockedIds = attention.filter((t) => t.status === "blocked").map((t) => t.id);
  const latest = await sql.query<{
    task_id: string;
    update_type: string;
    message: string;
    agent_name: string | null;
    created_at: Date;
  }>(
    `SELECT DISTINCT ON (task_id) task_id, update_type, message, agent_name, created_at
     FROM task_updates WHERE task_id = ANY($1::uuid[]) AND update_type IN ('question', 'answer')
     ORDER BY task_id, created_at DESC, id DESC`,
    [blockedIds],
  );
  const asked = new Map(latest.rows.filter((r) => r.update_type === "question").map((r) => [r.task_id, r]));
  const questions: OpenQuestion[] = [];
  const stuck: Task[] = [];
  for (const t of attention) {
    const q = t.status === "blocked" ? asked.get(t.id) : undefined;
    if (q) questions.push({ task: t, question: q.message, askedBy: q.agent_name, askedAt: q.created_at });
    else stuck.push(t);
  }
  // Questions oldest first: whoever has waited longest is answered first.
  questions.sort((a, b) => a.askedAt.getTime() - b.askedAt.getTime());

  const due = await sql.query<TaskRow>(
    `${TASK_SELECT} WHERE t.status IN ('pending', 'in_progress') AND t.due_at IS NOT NULL
       AND t.due_at < $1::timestamptz + $2 * interval '1 day'
     ORDER BY t.due_at, t.priority DESC LIMIT 50`,
    [now, DUE_WINDOW_DAYS],
  );
  const since = await finishedSince(sql, sessionId);
  const finished = await sql.query<TaskRow>(
    `${TASK_SELECT} WHERE t.status = 'completed' AND t.completed_at > $1 ORDER BY t.completed_at DESC LIMIT 20`,
    [since],
  );
  return {
    questions,
    stuck,
    due: due.rows.map(taskFromRow),
    finished: finished.rows.map(taskFromRow),
    since,
  };
}

/** How many things wait for the person: the tab title and the nav show it. */
export const needsYou = (d: NowData) => d.questions.length + d.stuck.length;
