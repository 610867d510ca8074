// Email subjects sent to the hub's mail-drop: by convention a new task, unless the subject is
// plainly a command ("status", "brief me") or a reply in a task's thread (becomes a comment).
import type { IntentName, ParseResult } from "../types.ts";
import { type RuleContext, result } from "./context.ts";
import { parseFreeText } from "./free-text.ts";
import { extractTaskFields } from "./task-fields.ts";
import { cleanValue, stripFillers, trimPunct } from "./text.ts";

const PREFIX = /^\s*(?:(?:re|fwd?|fw|aw|wg|sv|vs|tr|r)\s*(?:\[\d+\])?\s*:\s*)+/i;
const REPLY = /^\s*(?:re|aw|sv|vs|r)\s*(?:\[\d+\])?\s*:/i;
// A thread the hub started carries the task number: "Task #12: ...", "[#12] ...", "[task 12]".
const THREAD_TASK = /(?:\[\s*(?:task\s*)?#?(\d+)\s*\]|\btask\s*#\s*(\d+)\b|#(\d+)\b)/i;

// Commands that a subject may legitimately be; anything else reads as a task title.
const COMMAND_INTENTS = new Set<IntentName>([
  "briefing",
  "help",
  "task.list",
  "project.list",
  "agent.list",
  "notify.set",
  "undo",
  "confirm",
  "project.create",
  "agent.create",
]);

export function stripSubjectPrefixes(subject: string): string {
  return subject.replace(PREFIX, "").trim();
}

export function parseEmailSubject(subject: string, ctx: RuleContext): ParseResult | undefined {
  const isReply = REPLY.test(subject);
  const s = stripSubjectPrefixes(subject);
  if (!s) return undefined;
  const thread = THREAD_TASK.exec(s);
  const threadTask = thread ? Number(thread[1] ?? thread[2] ?? thread[3]) : undefined;
  if (isReply && threadTask) {
    const message = cleanValue(trimPunct(s.replace(THREAD_TASK, " ").replace(/^\s*[:-]\s*/, "")));
    return result("task.comment", { task: threadTask, message }, message ? 0.85 : 0.75);
  }
  const stripped = stripFillers(s);
  const asCommand = stripped ? parseFreeText({ ...ctx, text: stripped }) : undefined;
  if (asCommand) {
    const numbered = typeof asCommand.slots.task === "number";
    const onlyConfirm = asCommand.intent === "confirm" && /^(?:yes|no|y|n|ok|okay)\b/i.test(stripped);
    if (
      asCommand.confidence >= 0.85 &&
      ((COMMAND_INTENTS.has(asCommand.intent) && (asCommand.intent !== "confirm" || onlyConfirm)) || numbered)
    )
      return asCommand;
    // "add a task to renew the domain" as a subject: the task phrase is not part of the title.
    if (asCommand.intent === "task.create" && asCommand.confidence >= 0.9) return asCommand;
  }
  const slots = extractTaskFields(stripped || s, ctx.dates, { implicitProject: false });
  if (!slots.title) return undefined;
  return result("task.create", slots, 0.88);
}
