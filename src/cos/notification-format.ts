// Pure: events the person should hear about → the message that tells them.
import { taskButtons } from "../channels/buttons.ts";
import type { OutboundMessage } from "../channels/types.ts";
import type { HubEvent } from "../core/types.ts";
import { sayCount, sayTitle, toSpeech } from "./speech.ts";
import { cleanText, quoteTitle, truncate } from "./text.ts";

export type NotifyLevel = "all" | "important" | "none";

export const NOTIFIED_TYPES = new Set([
  "task.completed",
  "task.failed",
  "task.blocked",
  "task.question",
  "agent.offline",
  "llm.budget_warning",
  "llm.budget_exhausted",
]);

const p = (e: HubEvent) => e.payload as Record<string, unknown>;
const s = (v: unknown) => (typeof v === "string" && v.trim() ? v : undefined);
const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

export const taskNumberOf = (e: HubEvent) => n(p(e).number);

/** Who caused it, from the actor the core writes into every payload. */
export function actorOf(e: HubEvent): { kind?: string; name?: string } {
  const a = p(e).actor;
  if (a && typeof a === "object") {
    const o = a as Record<string, unknown>;
    return {
      ...(s(o.kind) ? { kind: o.kind as string } : {}),
      ...(s(o.name) ? { name: o.name as string } : {}),
    };
  }
  return e.actor ? { name: e.actor } : {};
}

/** Whether the person wants to hear about this event at this level. Their own actions never. */
export function worthTelling(e: HubEvent, level: NotifyLevel): boolean {
  if (level === "none" || !NOTIFIED_TYPES.has(e.type)) return false;
  if (actorOf(e).kind === "person") return false;
  if (level === "all") return true;
  switch (e.type) {
    case "task.failed":
    case "task.blocked":
    case "task.question":
    case "llm.budget_warning":
    case "llm.budget_exhausted":
      return true;
    case "task.completed":
      return (n(p(e).priority) ?? 0) >= 63;
    default:
      return false;
  }
}

interface Line {
  text: string;
  speech: string;
  taskNumber?: number;
  /** the person is asked something: worth buttons and a how-to-answer hint */
  asks: boolean;
}

function describe(e: HubEvent): Line {
  const d = p(e);
  const num = n(d.number);
  const title = s(d.title) ?? "a task";
  const ref = num === undefined ? quoteTitle(title) : `task ${num}, ${quoteTitle(title)}`;
  const said = num === undefined ? sayTitle(title) : `task ${num}, ${sayTitle(title, 6)}`;
  const agent = s(d.completedBy) ?? s(d.holder) ?? s(d.assignedTo) ?? actorOf(e).name ?? "An agent";
  const base = num === undefined ? {} : { taskNumber: num };
  switch (e.type) {
    case "task.completed": {
      const result = s(d.result);
      return {
        ...base,
        asks: false,
        text: `${agent} finished ${ref}.${result ? ` Result: ${truncate(cleanText(result), 200)}` : ""}`,
        speech: `${agent} finished ${said}.`,
      };
    }
    case "task.failed":
      return {
        ...base,
        asks: false,
        text: `${ref} failed${s(d.error) ? `: ${truncate(cleanText(s(d.error) ?? ""), 200)}` : "."}`,
        speech: `${said} failed.`,
      };
    case "task.blocked":
      return {
        ...base,
        asks: true,
        text: `${ref} is blocked${s(d.reason) ? `: ${truncate(cleanText(s(d.reason) ?? ""), 200)}` : "."}`,
        speech: `${said} is blocked${s(d.reason) ? `: ${sayTitle(s(d.reason) ?? "", 15)}` : ""}.`,
      };
    case "task.question": {
      const q = s(d.question) ?? s(d.message) ?? "a question";
      const who = actorOf(e).name ?? agent;
      return {
        ...base,
        asks: true,
        text: `${who} asks about ${ref}: "${truncate(cleanText(q), 300)}"`,
        speech: `${who} asks about ${said}: ${sayTitle(q, 20)}.`,
      };
    }
    case "agent.offline": {
      const name = s(d.agent) ?? e.entityId ?? "An agent";
      return { asks: false, text: `${name} went offline.`, speech: `${name} went offline.` };
    }
    case "llm.budget_warning": {
      const msg = `Heads up: I've used $${(n(d.spentUsd) ?? 0).toFixed(2)} of today's $${(n(d.budgetUsd) ?? 0).toFixed(2)} model budget. At the limit I'll switch to my rules alone until tomorrow.`;
      return { asks: false, text: msg, speech: "Heads up: I've used most of today's model budget." };
    }
    case "llm.budget_exhausted":
      return {
        asks: false,
        text: `Today's model budget ($${(n(d.budgetUsd) ?? 0).toFixed(2)}) is used up. Until tomorrow I'll understand you with my rules alone; commands still work.`,
        speech: "Today's model budget is used up. Until tomorrow I'll use my rules alone.",
      };
    default:
      return { ...base, asks: false, text: `${e.type} on ${ref}.`, speech: `Something changed on ${said}.` };
  }
}

const MAX_LINES = 6;

/** One message for events that arrived together; a single task's message carries its number. */
export function composeNotification(events: HubEvent[]): OutboundMessage {
  // A question also blocks its task: say it once, as the question.
  const questionTasks = new Set(events.filter((e) => e.type === "task.question").map(taskNumberOf));
  const kept = events.filter((e) => !(e.type === "task.blocked" && questionTasks.has(taskNumberOf(e))));
  const lines = kept.map(describe);
  const tasks = new Set(lines.map((l) => l.taskNumber).filter((x): x is number => x !== undefined));
  const only = tasks.size === 1 ? [...tasks][0] : undefined;
  const asking = lines.filter((l) => l.asks);

  if (lines.length === 1) {
    const l = lines[0] as Line;
    const hint = l.asks && l.taskNumber !== undefined ? `\nAnswer with "reply to ${l.taskNumber}: ...".` : "";
    return {
      text: `${l.text}${hint}`,
      speech: toSpeech(l.speech),
      ...(l.taskNumber !== undefined ? { taskNumber: l.taskNumber } : {}),
      ...(l.asks && l.taskNumber !== undefined ? { buttons: [taskButtons(l.taskNumber)] } : {}),
    };
  }
  // The person's attention goes to what asks for it: questions and blocks first.
  const ordered = [...asking, ...lines.filter((l) => !l.asks)];
  const shown = ordered.slice(0, MAX_LINES).map((l) => `• ${l.text}`);
  if (ordered.length > MAX_LINES) shown.push(`and ${ordered.length - MAX_LINES} more`);
  const spoken = ordered.slice(0, 2).map((l) => l.speech);
  const rest = ordered.length - spoken.length;
  return {
    text: `${ordered.length} updates:\n${shown.join("\n")}`,
    speech: toSpeech(
      `${sayCount(ordered.length)} updates. ${spoken.join(" ")}${rest > 0 ? ` And ${sayCount(rest)} more.` : ""}`,
    ),
    ...(only !== undefined ? { taskNumber: only } : {}),
  };
}
