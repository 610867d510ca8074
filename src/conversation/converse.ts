import type { ParseResult } from "../../intents/types.ts";
import type { Reply } from "../channels/types.ts";
import {
  aside,
  askHeard,
  chooseAgain,
  expiredQuestion,
  help,
  leftAlone,
  nothingPending,
  unknown,
} from "../cos/meta-replies.ts";
import { createAgentIntent, listAgentsIntent, showAgentIntent } from "./agent-handlers.ts";
import { asideOf } from "./asides.ts";
import { pickChoice } from "./choice.ts";
import { briefingIntent, notifySetIntent } from "./misc-handlers.ts";
import {
  createProjectIntent,
  listProjectsIntent,
  setProjectStatusIntent,
  showProjectIntent,
} from "./project-handlers.ts";
import { isExpired } from "./state.ts";
import {
  assignTaskIntent,
  cancelTaskIntent,
  commentTaskIntent,
  completeTaskIntent,
  createTaskIntent,
  listTasksIntent,
  reopenTaskIntent,
  showTaskIntent,
  updateTaskIntent,
} from "./task-handlers.ts";
import { type Agreed, expiresAt, type Slots, type Turn } from "./turn.ts";
import { undoIntent } from "./undo.ts";

/** Intents that change something: a doubtful transcript is read back before them. */
export const MUTATING = new Set([
  "task.create",
  "task.update",
  "task.assign",
  "task.complete",
  "task.cancel",
  "task.reopen",
  "task.comment",
  "project.create",
  "project.pause",
  "project.resume",
  "project.complete",
  "project.cancel",
  "agent.create",
  "notify.set",
  "undo",
]);

type Handler = (t: Turn, slots: Slots, agreed: Agreed) => Promise<Reply>;

const HANDLERS: Record<string, Handler> = {
  "task.create": createTaskIntent,
  "task.list": listTasksIntent,
  "task.show": showTaskIntent,
  "task.update": updateTaskIntent,
  "task.assign": assignTaskIntent,
  "task.complete": completeTaskIntent,
  "task.cancel": cancelTaskIntent,
  "task.reopen": reopenTaskIntent,
  "task.comment": commentTaskIntent,
  "project.create": createProjectIntent,
  "project.list": listProjectsIntent,
  "project.show": showProjectIntent,
  "project.pause": (t, s, a) => setProjectStatusIntent(t, "project.pause", s, a),
  "project.resume": (t, s, a) => setProjectStatusIntent(t, "project.resume", s, a),
  "project.complete": (t, s, a) => setProjectStatusIntent(t, "project.complete", s, a),
  "project.cancel": (t, s, a) => setProjectStatusIntent(t, "project.cancel", s, a),
  "agent.list": listAgentsIntent,
  "agent.show": showAgentIntent,
  "agent.create": createAgentIntent,
  briefing: briefingIntent,
  "notify.set": notifySetIntent,
  undo: undoIntent,
  help: async () => help(),
};

/**
 * Runs one intent: a doubtful transcript is read back first (the question remembers the intent
 * and its slots, so `yes` runs exactly that); handlers ask their own questions (which task?
 * really cancel?) through the conversation state.
 */
export async function runIntent(t: Turn, intent: string, slots: Slots, agreed: Agreed): Promise<Reply> {
  const handler = HANDLERS[intent];
  if (!handler) return unknown();
  const conf = t.u.context?.transcriptConfidence;
  if (
    MUTATING.has(intent) &&
    !agreed.has("heard") &&
    conf !== undefined &&
    conf < t.minTranscriptConfidence
  ) {
    t.state.pending = {
      kind: "confirm",
      intent,
      slots,
      agreed: [...agreed, "heard"],
      question: t.u.context?.heard ?? t.u.text,
      expiresAt: expiresAt(t),
    };
    return askHeard(t.u.context?.heard ?? t.u.text, intent);
  }
  // Cancels ask their own question; everything else that changes something is asked here.
  const asksItself = intent === "task.cancel" || intent === "project.cancel";
  if (MUTATING.has(intent) && t.confirmEveryChange && !asksItself && !agreed.has("asked")) {
    t.state.pending = {
      kind: "confirm",
      intent,
      slots,
      agreed: [...agreed, "asked"],
      question: t.u.text,
      expiresAt: expiresAt(t),
    };
    return askHeard(t.u.text, intent, "Reply yes to go ahead, or no to leave it.");
  }
  return handler(t, slots, agreed);
}

/**
 * One message of a conversation, with what is pending from the previous one: a choice among
 * tasks is answered by "the second one" / "14" / title words, a yes/no question by `confirm`.
 * Anything else that changes something drops a pending question (the person moved on); a
 * question or a list in between leaves it waiting until it expires.
 */
export async function converse(t: Turn, parsed: ParseResult, text: string): Promise<Reply> {
  const s = t.state;
  let expired = false;
  if (s.pending && isExpired(s.pending, t.fmt.now)) {
    s.pending = null;
    expired = true;
  }

  const pending = s.pending;
  if (pending?.kind === "choose") {
    const titleWords = parsed.intent === "unknown" || parsed.intent === "task.show";
    const pick = pickChoice(text, pending.options, { titleWords });
    if (pick) {
      s.pending = null;
      return runIntent(t, pending.intent, { ...pending.slots, task: pick.number }, new Set());
    }
    if (parsed.intent === "confirm") {
      if (parsed.slots.answer === "no") {
        s.pending = null;
        return leftAlone();
      }
      return chooseAgain(pending.options.length);
    }
    if (parsed.intent === "unknown") return chooseAgain(pending.options.length);
    s.pending = null;
  }

  if (parsed.intent === "confirm") {
    if (pending?.kind !== "confirm") {
      const said = asideOf(text);
      if (said) return aside(said);
      return expired ? expiredQuestion() : nothingPending();
    }
    s.pending = null;
    if (parsed.slots.answer !== "yes") return leftAlone();
    return runIntent(t, pending.intent, pending.slots, new Set(pending.agreed));
  }

  if (pending?.kind === "confirm" && MUTATING.has(parsed.intent)) s.pending = null;
  if (parsed.intent === "unknown") {
    const said = asideOf(text);
    return said ? aside(said) : unknown();
  }
  return runIntent(t, parsed.intent, parsed.slots as Slots, new Set());
}
