import { priorityName } from "./priority.ts";
import type { Task } from "./types.ts";

/** What every task event carries, so a notifier never has to read the task back. */
export function taskPayload(t: Task, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    taskId: t.id,
    number: t.number,
    title: t.title,
    status: t.status,
    projectId: t.projectId,
    projectName: t.projectName,
    priority: t.priority,
    priorityName: priorityName(t.priority),
    assignedTo: t.assignedTo,
    holder: t.claimedBy,
    dueAt: t.dueAt,
    ...extra,
  };
}

/** A one-line summary of a result or error for a notification; the full value stays on the task. */
export function summarize(value: unknown, max = 280): string | null {
  if (value === null || value === undefined) return null;
  let s: string;
  if (typeof value === "string") s = value;
  else if (
    typeof value === "object" &&
    !Array.isArray(value) &&
    typeof (value as { summary?: unknown }).summary === "string"
  ) {
    s = (value as { summary: string }).summary;
  } else s = JSON.stringify(value);
  s = s.replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
