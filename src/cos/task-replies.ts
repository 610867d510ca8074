import type { Reply } from "../channels/types.ts";
import type { Task, TaskUpdate } from "../core/types.ts";
import { confirmReply, makeReply, taskReply } from "./reply.ts";
import { sayCount, sayTitle } from "./speech.ts";
import { cleanText, joinAnd, priorityName, quoteTitle, sentence, statusWords, truncate } from "./text.ts";
import { sayDay } from "./time.ts";

/** What every formatter needs to say dates the person's way. */
export interface Fmt {
  now: Date;
  timeZone: string;
}

const act = (type: string, t: Task, summary: string) => ({ type, id: String(t.number), summary });

/** ", high priority, due Friday the 27th" — only what differs from a plain task. */
function details(t: Task, f: Fmt, opts: { project?: boolean; assignee?: boolean } = {}): string[] {
  const out: string[] = [];
  if (opts.project !== false && t.projectName) out.push(`in ${cleanText(t.projectName)}`);
  if (t.priority !== 50) out.push(`${priorityName(t.priority)} priority`);
  if (t.dueAt) out.push(`due ${sayDay(t.dueAt, f.now, f.timeZone)}`);
  if (opts.assignee !== false && t.assignedTo) out.push(`for ${t.assignedTo}`);
  return out;
}

const withDetails = (head: string, parts: string[]) => (parts.length ? `${head}, ${parts.join(", ")}` : head);

export function taskCreated(t: Task, f: Fmt): Reply {
  const to = t.projectName ? ` to ${cleanText(t.projectName)}` : "";
  const rest = details(t, f, { project: false });
  const text = `${withDetails(`I've added task ${t.number}, ${quoteTitle(t.title)},${to}`.replace(/,$/, ""), rest)}.`;
  const speech = `${withDetails(`I've added task ${t.number}, ${sayTitle(t.title)},${to}`.replace(/,$/, ""), rest)}.`;
  return taskReply("task.create", t.number, {
    text,
    speech,
    actions: [act("task.created", t, `created task ${t.number}`)],
  });
}

export function taskShown(t: Task, f: Fmt, last?: TaskUpdate): Reply {
  const who = t.claimedBy ?? t.assignedTo;
  const state =
    t.status === "in_progress" && who
      ? `is in progress with ${who}`
      : t.status === "pending" && t.assignedTo
        ? `is waiting for ${t.assignedTo} to pick it up`
        : `is ${statusWords(t.status)}`;
  const parts = details(t, f, { assignee: false });
  const head = `Task ${t.number}, ${quoteTitle(t.title)}, ${state}`;
  const lines = [`${parts.length ? `${head} (${parts.join(", ")})` : head}.`];
  const speech = [
    `Task ${t.number}, ${sayTitle(t.title)}, ${state}${parts.length ? `, ${parts.join(", ")}` : ""}.`,
  ];
  if (t.status === "blocked" && t.blockedReason) {
    lines.push(`It's waiting on this: ${truncate(cleanText(t.blockedReason), 300)}`);
    speech.push(`It's waiting on this: ${sayTitle(t.blockedReason, 25)}.`);
    lines.push(`Answer with "reply to ${t.number}: ..."`);
  } else if (t.status === "failed" && t.error) {
    lines.push(`It failed with: ${truncate(cleanText(t.error), 200)}`);
    speech.push("It failed; the details are in the chat.");
  } else if (last) {
    const by = last.agentName ? `${last.agentName}: ` : "";
    lines.push(`Last update, ${by}${truncate(cleanText(last.message), 200)}`);
    speech.push(
      `The last update${last.agentName ? ` from ${last.agentName}` : ""} says ${sayTitle(last.message, 20)}.`,
    );
  }
  return taskReply("task.show", t.number, { text: lines.join("\n"), speech: speech.join(" ") });
}

/**
 * What changed, in words: "now critical priority, due Monday the 3rd". A renamed task is named
 * by the title it had, so the read-back says what it was and what it is now.
 */
export function taskUpdated(t: Task, changed: string[], f: Fmt, before?: Task): Reply {
  const said: string[] = [];
  const known = before ?? t;
  if (changed.includes("title")) said.push(`renamed to ${quoteTitle(t.title)}`);
  if (changed.includes("priority")) said.push(`now ${priorityName(t.priority)} priority`);
  if (changed.includes("dueAt"))
    said.push(t.dueAt ? `due ${sayDay(t.dueAt, f.now, f.timeZone)}` : "without a due date");
  if (changed.includes("description")) said.push("has a new description");
  const what = said.length ? joinAnd(said) : "unchanged";
  return taskReply("task.update", t.number, {
    text: `Done: task ${t.number}, ${quoteTitle(known.title)}, is ${what}.`,
    speech: `Done. Task ${t.number}, ${sayTitle(known.title)}, is ${what.replace(/'/g, "")}.`,
    actions: [act("task.updated", t, `updated task ${t.number}`)],
  });
}

export function taskAssigned(t: Task): Reply {
  const to = t.assignedTo ?? "nobody";
  return taskReply("task.assign", t.number, {
    text: `I've given task ${t.number}, ${quoteTitle(t.title)}, to ${to}.`,
    speech: `I've given task ${t.number}, ${sayTitle(t.title)}, to ${to}.`,
    actions: [act("task.assigned", t, `assigned task ${t.number} to ${to}`)],
  });
}

export function taskCompleted(t: Task): Reply {
  return taskReply(
    "task.complete",
    t.number,
    {
      text: `Marked task ${t.number}, ${quoteTitle(t.title)}, as done.`,
      speech: `Marked task ${t.number}, ${sayTitle(t.title)}, as done.`,
      actions: [act("task.completed", t, `completed task ${t.number}`)],
    },
    { buttons: false },
  );
}

export function taskCancelled(t: Task): Reply {
  return taskReply(
    "task.cancel",
    t.number,
    {
      text: `Cancelled task ${t.number}, ${quoteTitle(t.title)}. Say "undo" if that was a mistake.`,
      speech: `I've cancelled task ${t.number}, ${sayTitle(t.title)}. Say undo if that was a mistake.`,
      actions: [act("task.cancelled", t, `cancelled task ${t.number}`)],
    },
    { buttons: false },
  );
}

export function taskReopened(t: Task): Reply {
  return taskReply("task.reopen", t.number, {
    text: `Task ${t.number}, ${quoteTitle(t.title)}, is open again.`,
    speech: `Task ${t.number}, ${sayTitle(t.title)}, is open again.`,
    actions: [act("task.reopened", t, `reopened task ${t.number}`)],
  });
}

export function taskAlready(intent: string, t: Task): Reply {
  return taskReply(intent, t.number, {
    text: `Task ${t.number}, ${quoteTitle(t.title)}, is already ${statusWords(t.status)}.`,
    speech: `Task ${t.number}, ${sayTitle(t.title)}, is already ${statusWords(t.status)}.`,
  });
}

export function taskCommented(t: Task, unblocked: boolean): Reply {
  const agent = t.claimedBy ?? t.assignedTo;
  const text = unblocked
    ? `I've passed your answer to ${agent ?? "the agent"} on task ${t.number}, ${quoteTitle(t.title)}; it's ${statusWords(t.status)} again.`
    : `Noted on task ${t.number}, ${quoteTitle(t.title)}${agent ? ` for ${agent}` : ""}.`;
  const speech = unblocked
    ? `I've passed your answer to ${agent ?? "the agent"} on task ${t.number}, and it's ${statusWords(t.status)} again.`
    : `Noted on task ${t.number}${agent ? ` for ${agent}` : ""}.`;
  return taskReply("task.comment", t.number, {
    text,
    speech,
    actions: [
      act(
        unblocked ? "task.answered" : "task.commented",
        t,
        `${unblocked ? "answered" : "commented on"} task ${t.number}`,
      ),
    ],
  });
}

export function askCancelTask(t: Task): Reply {
  return confirmReply("task.cancel", {
    text: `Cancel task ${t.number}, ${quoteTitle(t.title)}? Say yes to go ahead.`,
    speech: `Should I cancel task ${t.number}, ${sayTitle(t.title)}? Say yes or no.`,
    taskNumber: t.number,
  });
}

/** Completing a task found by one word of its title is a guess: read it back first. */
export function askCompleteTask(t: Task): Reply {
  return confirmReply("task.complete", {
    text: `Mark task ${t.number}, ${quoteTitle(t.title)}, as done? Say yes to go ahead.`,
    speech: `Should I mark task ${t.number}, ${sayTitle(t.title)}, as done? Say yes or no.`,
    taskNumber: t.number,
  });
}

/** At most three options, numbered, so "the second one" or "14" picks one. */
export function askWhichTask(
  intent: string,
  words: string,
  options: Pick<Task, "number" | "title">[],
): Reply {
  const shown = options.slice(0, 3);
  const textLines = shown.map((o, i) => `${i + 1}. task ${o.number}, ${quoteTitle(o.title, 60)}`);
  const spoken = shown.map((o) => `task ${o.number}, ${sayTitle(o.title, 6)}`);
  return makeReply(intent, {
    text: `A few tasks match "${truncate(cleanText(words), 40)}". Which one?\n${textLines.join("\n")}`,
    speech: `A few tasks match that. Did you mean ${joinAnd(spoken).replace(/ and (?=[^,]*$)/, " or ")}?`,
  });
}

export interface ListedTasks {
  tasks: Task[];
  /** how many match in all */
  total: number;
  /** "open", "blocked" */
  adjective: string;
  /** "in Website", "for seed" */
  suffix: string;
}

const TEXT_ITEMS = 6;
const SPOKEN_ITEMS = 3;

const tasksPhrase = (l: ListedTasks, n: number) =>
  [l.adjective, n === 1 ? "task" : "tasks", l.suffix].filter((s) => s.length > 0).join(" ");

export function taskList(l: ListedTasks, f: Fmt): Reply {
  if (l.total === 0 || l.tasks.length === 0) {
    const what = tasksPhrase(l, 2);
    // "what did seed do today": nothing finished is "yet", not a state of the moment.
    const when = l.adjective === "finished" ? "yet" : "right now";
    return makeReply("task.list", {
      text: `No ${what} ${when}.`,
      speech: `There are no ${what} ${when}.`,
    });
  }
  const lines = l.tasks.slice(0, TEXT_ITEMS).map((t) => {
    const bits = [statusWords(t.status)];
    const who = t.claimedBy ?? t.assignedTo;
    if (who) bits.push(who);
    if (t.priority >= 63) bits.push(priorityName(t.priority));
    if (t.dueAt) bits.push(`due ${sayDay(t.dueAt, f.now, f.timeZone)}`);
    return `#${t.number} ${quoteTitle(t.title, 60)} (${bits.join(", ")})`;
  });
  const more = l.total - lines.length;
  if (more > 0) lines.push(`and ${more} more`);
  const top = l.tasks.slice(0, SPOKEN_ITEMS).map((t) => `task ${t.number}, ${sayTitle(t.title, 6)}`);
  const spokenMore = l.total - top.length;
  const speech =
    l.total === 1
      ? `You have one ${tasksPhrase(l, 1)}: ${top[0]}.`
      : `You have ${sayCount(l.total)} ${tasksPhrase(l, l.total)}. ${spokenMore > 0 ? "The top ones are" : "They are"} ${joinAnd(top)}${spokenMore > 0 ? `, and ${sayCount(spokenMore)} more` : ""}.`;
  return makeReply("task.list", {
    text: `${sentence(`${l.total} ${tasksPhrase(l, l.total)}`)}:\n${lines.join("\n")}`,
    speech,
  });
}
