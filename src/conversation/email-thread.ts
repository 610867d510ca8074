import type { ParseResult } from "../../intents/types.ts";
import type { Utterance } from "../channels/types.ts";

// What a reply in a task's email thread may do to that task; anything else is a note for it.
const ON_THE_TASK = new Set([
  "task.complete",
  "task.cancel",
  "task.assign",
  "task.update",
  "task.reopen",
  "task.show",
  "task.comment",
]);
const AS_SAID = new Set(["confirm", "undo", "help", "briefing"]);

/** True for a reply inside a task's thread: the adapter knows the task, the subject is stale. */
export const inTaskThread = (u: Utterance): boolean =>
  u.channel === "email" && typeof u.context?.taskNumber === "number";

/**
 * A reply in a task's thread: "done", "cancel", "assign to seed", "high priority" act on that
 * task; yes/no answer the thread's question; anything else becomes a comment on the task.
 */
export function threadIntent(parsed: ParseResult, u: Utterance): ParseResult {
  const task = u.context?.taskNumber as number;
  const first = u.text.trim().toLowerCase();
  if (/^cancel( (it|this|the task))?[.!]*$/.test(first)) {
    return { intent: "task.cancel", slots: { task }, confidence: 0.9 };
  }
  if (AS_SAID.has(parsed.intent)) return parsed;
  const bare = /^(assign (it )?to|give (it )?to) ([\w-]+)[.!]*$/.exec(first);
  if (bare?.[4]) return { intent: "task.assign", slots: { task, assignee: bare[4] }, confidence: 0.9 };
  const prio =
    /^(?:make it |set it to |mark it )?(low|medium|normal|high|urgent|critical)( priority)?[.!]*$/.exec(
      first,
    );
  if (prio?.[1]) {
    const p = { normal: "medium", urgent: "critical" }[prio[1]] ?? prio[1];
    return { intent: "task.update", slots: { task, priority: p }, confidence: 0.9 } as ParseResult;
  }
  if (ON_THE_TASK.has(parsed.intent)) {
    const slots = { ...parsed.slots } as Record<string, unknown>;
    if (slots.task === undefined || slots.task === "last") slots.task = task;
    if (parsed.intent === "task.comment" && !slots.message) slots.message = u.body ?? u.text;
    return { ...parsed, slots } as ParseResult;
  }
  return { intent: "task.comment", slots: { task, message: (u.body ?? u.text).trim() }, confidence: 0.85 };
}
