import type { Reply } from "../channels/types.ts";
import { confirmReply, makeReply } from "./reply.ts";
import { sayTitle } from "./speech.ts";
import { cleanText, joinAnd, sentence, truncate } from "./text.ts";

export function help(): Reply {
  return makeReply("help", {
    text: [
      "Here's what I can do:",
      '• tasks: "add a task to fix the contact form for Website, high priority, due friday", "what\'s open", "how is 7 doing", "give 7 to seed", "mark 7 done", "cancel 7", "reply to 7: use Stripe"',
      '• projects: "start a project called Launch", "list my projects", "how far along is Website", "pause Website"',
      '• agents: "who is working", "is seed online"',
      '• "brief me", "only ping me when something is blocked", "undo"',
    ].join("\n"),
    speech:
      "I can add, update, assign and close tasks, run projects, tell you who is working, brief you, and undo your last change. Try: add a task to fix the contact form, or brief me.",
  });
}

export function unknown(): Reply {
  return makeReply("unknown", {
    text: `I didn't catch that. Try "add a task to call the bank", "what's open", or "brief me". Say "help" for more.`,
    speech: "Sorry, I didn't catch that. Try: add a task to call the bank, what's open, or brief me.",
  });
}

const ASIDES = {
  thanks: "You're welcome.",
  bye: "Talk soon.",
  "tell-me-when": `I tell you what happens as your notifications allow. To hear of every task that finishes, say "notify me of everything".`,
  "one-at-a-time": `I add one task at a time. Say each one, like "add a task to design the hero image".`,
};

/** The answer to words that are not a request (asides.ts): short, and nothing done. */
export function aside(kind: keyof typeof ASIDES): Reply {
  const text = ASIDES[kind];
  return makeReply("unknown", { text, speech: text });
}

/** Empty, emoji-only or unreadable input: nothing to act on. */
export function nothingToDo(): Reply {
  return makeReply("unknown", {
    text: `I didn't find any words in that. Try "what's open" or "help".`,
    speech: "I didn't hear any words I could use. Try: what's open, or help.",
  });
}

export function tooLong(maxChars: number): Reply {
  return makeReply("unknown", {
    text: `That message is too long for me to act on (over ${maxChars} characters). Send a shorter request, or put the details in a task description.`,
    speech: "That was too long for me to act on. Please say it in a shorter way.",
  });
}

export function notUnderstoodFor(intent: string, need: string, example: string): Reply {
  return makeReply(intent, { text: `I need ${need}, for example "${example}".`, speech: `I need ${need}.` });
}

export function failed(intent: string, message: string): Reply {
  const m = truncate(cleanText(message), 300);
  return makeReply(intent, { text: m, speech: m });
}

export function internalError(intent: string): Reply {
  return makeReply(intent, {
    text: "Something went wrong on my side, and nothing was changed. Please try again in a moment.",
    speech: "Something went wrong on my side, and nothing was changed. Please try again in a moment.",
  });
}

export function refusal(): Reply {
  return makeReply("unknown", {
    text: 'Sorry, I only take requests from my owner. If that\'s you, ask for a pairing code with "agentops pair" and send it to me.',
    speech: "Sorry, I only take requests from my owner.",
  });
}

export function paired(identity: string): Reply {
  const channel = identity.split(":")[0] ?? "this channel";
  return makeReply("help", {
    text: `Paired: I'll take your requests on ${channel} from now on. Say "help" to see what I can do.`,
    speech: `Paired. I'll take your requests on ${channel} from now on.`,
  });
}

export function nothingPending(): Reply {
  return makeReply("confirm", {
    text: "There's nothing waiting for a yes or no right now.",
    speech: "There's nothing waiting for a yes or no right now.",
  });
}

export function expiredQuestion(): Reply {
  return makeReply("confirm", {
    text: "That question has expired, so I left things as they were. Ask me again if you still want it.",
    speech: "That question has expired, so I left things as they were. Ask me again if you still want it.",
  });
}

export function leftAlone(): Reply {
  return makeReply("confirm", { text: "OK, I left it alone.", speech: "OK, I left it alone." });
}

/** A doubtful transcript: say back what was heard, act only on a yes. */
export function askHeard(heard: string, intent: string, question?: string): Reply {
  const h = truncate(cleanText(heard), 200);
  return confirmReply(intent, {
    text: `I heard "${h}". ${question ?? "Should I go ahead?"}`,
    speech: `I heard: ${sayTitle(heard, 25)}. ${question ?? "Should I go ahead?"}`,
  });
}

export function chooseAgain(count: number): Reply {
  return makeReply("unknown", {
    text: `Which one? Answer with its number, or "the first one" to "the ${count === 2 ? "second" : "third"} one". Or say "no" to drop it.`,
    speech: `Which one? Say the first, the second${count > 2 ? ", or the third" : ""}, or say no to drop it.`,
  });
}

export function undone(summary: string): Reply {
  return makeReply("undo", { text: `Undone: ${summary}.`, speech: `Undone. ${sentence(summary)}.` });
}

export function nothingToUndo(): Reply {
  return makeReply("undo", {
    text: "There's nothing of yours I can undo here.",
    speech: "There's nothing of yours I can undo here.",
  });
}

export function cannotUndo(reason: string): Reply {
  return makeReply("undo", { text: reason, speech: reason });
}

export function notifySet(level: string, channel: string | null): Reply {
  const where = channel ? ` on ${channel}` : "";
  const what =
    level === "none"
      ? 'I won\'t send you notifications. Say "notify me about everything" to turn them back on.'
      : level === "all"
        ? `I'll tell you about everything your agents finish, fail, get stuck on or ask${where}.`
        : `I'll only ping you${where} when something is blocked, fails, needs your answer, or a high-priority task is done.`;
  return makeReply("notify.set", {
    text: what,
    speech: what.replace(/"/g, ""),
    actions: [{ type: "notify.set", id: level, summary: `notifications: ${level}` }],
  });
}

export function unknownNames(kind: string, said: string, known: string[]): Reply {
  const s = truncate(cleanText(said), 40);
  const list = known.length
    ? ` I know ${joinAnd(known.slice(0, 5).map((k) => truncate(cleanText(k), 40)))}.`
    : "";
  return makeReply("unknown", {
    text: `I don't know ${kind} called "${s}".${list}`,
    speech: `I don't know ${kind} called ${sayTitle(said, 6)}.${list}`,
  });
}
