import { randomUUID } from "node:crypto";
import { decodeButton } from "../channels/buttons.ts";
import type { Reply, Utterance } from "../channels/types.ts";
import { HubError } from "../errors.ts";

/** The intents a dashboard button may preset; anything else is typed into the chat box. */
const PRESET_INTENTS = new Set([
  "task.complete",
  "task.cancel",
  "task.reopen",
  "task.comment",
  "task.assign",
  "task.update",
  "confirm",
]);
const PRIORITIES = new Set(["low", "medium", "high", "critical"]);
const NONCE = /^[A-Za-z0-9_-]{8,64}$/;

export type ActionForm = Record<string, unknown>;

const field = (f: ActionForm, k: string, max: number): string | undefined => {
  const v = f[k];
  if (typeof v !== "string") return undefined;
  const s = v.trim();
  if (s.length > max) throw new HubError("validation", `${k} is longer than ${max} characters`);
  return s.length ? s : undefined;
};

function presetOf(f: ActionForm): NonNullable<Utterance["preset"]> | undefined {
  const button = field(f, "button", 64);
  if (button) {
    const p = decodeButton(button);
    if (!p) throw new HubError("validation", "Unknown button");
    return p;
  }
  const intent = field(f, "intent", 40);
  if (!intent) return undefined;
  if (!PRESET_INTENTS.has(intent))
    throw new HubError("validation", `Unknown action ${JSON.stringify(intent)}`);
  const slots: Record<string, unknown> = {};
  const task = field(f, "task", 12);
  if (task !== undefined) {
    if (!/^\d{1,9}$/.test(task)) throw new HubError("validation", "task must be a task number");
    slots.task = Number(task);
  }
  const message = field(f, "message", 4000);
  if (message) slots.message = message;
  const assignee = field(f, "assignee", 100);
  if (assignee) slots.assignee = assignee;
  const priority = field(f, "priority", 20);
  if (priority) {
    if (!PRIORITIES.has(priority))
      throw new HubError("validation", "priority must be low, medium, high or critical");
    slots.priority = priority;
  }
  const due = field(f, "due", 10);
  if (due) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(due)) throw new HubError("validation", "due must be a date, YYYY-MM-DD");
    slots.due = due;
  }
  const answer = field(f, "answer", 3);
  if (answer === "yes" || answer === "no") slots.answer = answer;
  if (intent !== "confirm" && slots.task === undefined)
    throw new HubError("validation", "Which task? task is missing");
  if (intent === "task.comment" && !slots.message) throw new HubError("validation", "Write the answer first");
  return { intent, slots };
}

/**
 * A dashboard form as the web channel's utterance: buttons carry a preset intent (nothing is
 * re-parsed), the chat box carries text. The conversation is the session's own, so a pending
 * "really cancel?" belongs to this browser. The client's nonce makes a double submit one action.
 */
export function formToUtterance(f: ActionForm, sessionId: string, now: Date): Utterance {
  const preset = presetOf(f);
  const text = field(f, "text", 10_000);
  if (!preset && !text) throw new HubError("validation", "Nothing to send");
  const nonce = field(f, "nonce", 64);
  const messageId = `web:${sessionId}:${nonce && NONCE.test(nonce) ? nonce : randomUUID()}`;
  return {
    channel: "web",
    sender: "owner",
    conversation: `web:${sessionId}`,
    // For presets the text is only what a read-back would quote; it never matches a choice.
    text: preset
      ? (text ?? `web button ${preset.intent} ${String(preset.slots.task ?? "")}`.trim())
      : (text ?? ""),
    messageId,
    receivedAt: now,
    ...(preset ? { preset } : {}),
  };
}

/** What the page script gets back: the reply as the Chief of Staff wrote it. */
export const replyJson = (r: Reply) => ({
  text: r.text,
  buttons: r.buttons,
  intent: r.intent,
  awaitingConfirmation: r.awaitingConfirmation,
  silent: r.silent,
  ...(r.taskNumber === undefined ? {} : { taskNumber: r.taskNumber }),
});
