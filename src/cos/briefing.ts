import type { Reply } from "../channels/types.ts";
import type { Sql } from "../db/sql.ts";
import { makeReply } from "./reply.ts";
import { sayCount, sayTitle } from "./speech.ts";
import type { Fmt } from "./task-replies.ts";
import { cleanText, joinAnd, plural, quoteTitle, sentence, truncate } from "./text.ts";
import { sayDay } from "./time.ts";

interface TaskLine {
  number: number;
  title: string;
}

export interface BriefingData {
  since: Date;
  completed: (TaskLine & { by: string | null })[];
  completedCount: number;
  failed: (TaskLine & { error: string | null })[];
  /** blocked tasks; `question` when the agent is waiting for the person's answer */
  blocked: (TaskLine & { reason: string | null; question: boolean; agent: string | null })[];
  dueSoon: (TaskLine & { dueAt: Date })[];
  offline: { name: string; lastSeenAt: Date | null }[];
}

const DUE_SOON_MS = 48 * 3600 * 1000;

/** Read-only: what finished since `since`, what is stuck or waiting, what is due, who is gone. */
export async function gatherBriefing(sql: Sql, opts: { now: Date; since: Date }): Promise<BriefingData> {
  const completed = await sql.query<TaskLine & { by: string | null; total: number }>(
    `SELECT number, title, coalesce(claimed_by, assigned_to) AS by, count(*) OVER ()::int AS total
     FROM tasks WHERE status = 'completed' AND completed_at > $1
     ORDER BY priority DESC, completed_at DESC LIMIT 5`,
    [opts.since],
  );
  const failed = await sql.query<TaskLine & { error: string | null }>(
    `SELECT number, title, error FROM tasks WHERE status = 'failed' AND updated_at > $1
     ORDER BY priority DESC, updated_at DESC LIMIT 5`,
    [opts.since],
  );
  const blocked = await sql.query<
    TaskLine & { reason: string | null; question: boolean; agent: string | null }
  >(
    `SELECT t.number, t.title, t.blocked_reason AS reason,
            coalesce(u.update_type = 'question', false) AS question,
            coalesce(u.agent_name, t.claimed_by, t.assigned_to) AS agent
     FROM tasks t
     LEFT JOIN LATERAL (SELECT update_type, agent_name FROM task_updates
                        WHERE task_id = t.id ORDER BY created_at DESC LIMIT 1) u ON true
     WHERE t.status = 'blocked'
     ORDER BY (u.update_type = 'question') DESC NULLS LAST, t.priority DESC, t.updated_at LIMIT 6`,
  );
  const due = await sql.query<TaskLine & { due_at: Date }>(
    `SELECT number, title, due_at FROM tasks
     WHERE status IN ('pending', 'in_progress', 'blocked') AND due_at IS NOT NULL AND due_at < $1
     ORDER BY due_at LIMIT 5`,
    [new Date(opts.now.getTime() + DUE_SOON_MS)],
  );
  const offline = await sql.query<{ name: string; last_seen_at: Date | null }>(
    `SELECT name, last_seen_at FROM agents WHERE status = 'offline' ORDER BY name LIMIT 10`,
  );
  return {
    since: opts.since,
    completed: completed.rows.map((r) => ({ number: Number(r.number), title: r.title, by: r.by })),
    completedCount: completed.rows[0]?.total ?? 0,
    failed: failed.rows.map((r) => ({ number: Number(r.number), title: r.title, error: r.error })),
    blocked: blocked.rows.map((r) => ({
      number: Number(r.number),
      title: r.title,
      reason: r.reason,
      question: r.question,
      agent: r.agent,
    })),
    dueSoon: due.rows.map((r) => ({ number: Number(r.number), title: r.title, dueAt: r.due_at })),
    offline: offline.rows.map((r) => ({ name: r.name, lastSeenAt: r.last_seen_at })),
  };
}

const line = (t: TaskLine) => `#${t.number} ${quoteTitle(t.title, 50)}`;
const spoken = (t: TaskLine) => `task ${t.number}, ${sayTitle(t.title, 5)}`;

/** The briefing as the Chief of Staff says it: what needs the person first. */
export function briefingReply(d: BriefingData, f: Fmt, opts: { daily?: boolean } = {}): Reply {
  const period = opts.daily ? "Since the last briefing" : "In the last day";
  const questions = d.blocked.filter((b) => b.question).slice(0, 3);
  const stuck = d.blocked.filter((b) => !b.question);
  const text: string[] = [];
  const speech: string[] = [];

  if (questions.length) {
    text.push(
      `Waiting for your answer:\n${questions
        .map(
          (q) =>
            `${line(q)}: ${q.agent ?? "the agent"} asks "${truncate(cleanText(q.reason ?? "a question"), 160)}"`,
        )
        .join("\n")}`,
    );
    const first = questions[0];
    if (first) {
      speech.push(
        `${first.agent ?? "An agent"} needs your answer on task ${first.number}: ${sayTitle(first.reason ?? "a question", 14)}.`,
      );
    }
    if (questions.length > 1)
      speech.push(`${sayCount(questions.length - 1)} more questions are waiting for you.`);
  }
  if (d.completedCount) {
    const more = d.completedCount - d.completed.length;
    text.push(
      `${period}, ${plural(d.completedCount, "task")} finished: ${d.completed.map(line).join(", ")}${more > 0 ? ` and ${more} more` : ""}.`,
    );
    const top = d.completed.slice(0, 2).map(spoken);
    speech.push(
      `${period}, ${sayCount(d.completedCount)} ${d.completedCount === 1 ? "task" : "tasks"} finished, including ${joinAnd(top)}.`,
    );
  } else {
    text.push(`${period}, nothing finished.`);
    speech.push(`${period}, nothing finished.`);
  }
  if (stuck.length) {
    text.push(
      `Blocked: ${stuck.map((b) => `${line(b)}${b.reason ? ` (${truncate(cleanText(b.reason), 80)})` : ""}`).join(", ")}.`,
    );
    speech.push(`${sayCount(stuck.length)} ${stuck.length === 1 ? "task is" : "tasks are"} blocked.`);
  }
  if (d.failed.length) {
    text.push(`Failed: ${d.failed.map(line).join(", ")}.`);
    speech.push(`${sayCount(d.failed.length)} failed, starting with ${spoken(d.failed[0] as TaskLine)}.`);
  }
  if (d.dueSoon.length) {
    text.push(
      `Due soon: ${d.dueSoon.map((t) => `${line(t)} ${sayDay(t.dueAt, f.now, f.timeZone)}`).join(", ")}.`,
    );
    const first = d.dueSoon[0] as TaskLine & { dueAt: Date };
    speech.push(`${spoken(first)}, is due ${sayDay(first.dueAt, f.now, f.timeZone)}.`);
  }
  if (d.offline.length) {
    const names = d.offline.map((a) => a.name);
    text.push(
      `Offline: ${joinAnd(names.slice(0, 6))}${names.length > 6 ? ` and ${names.length - 6} more` : ""}.`,
    );
    speech.push(`${joinAnd(names.slice(0, 3))} ${names.length === 1 ? "is" : "are"} offline.`);
  }
  if (!questions.length && !stuck.length && !d.failed.length && !d.dueSoon.length) {
    text.push("Nothing is blocked or waiting for you.");
    speech.push("Nothing is blocked or waiting for you.");
  }
  return makeReply("briefing", { text: text.join("\n"), speech: speech.map(sentence).join(" ") });
}
