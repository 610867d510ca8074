import type { Reply } from "../channels/types.ts";
import {
  findProjects,
  findTasks,
  getAgent,
  getProject,
  getTask,
  isUuid,
  listAgents,
  listProjects,
} from "../core/index.ts";
import type { Agent, Project, Task } from "../core/types.ts";
import { unknownNames } from "../cos/meta-replies.ts";
import { makeReply } from "../cos/reply.ts";
import { askWhichTask } from "../cos/task-replies.ts";
import { isHubError } from "../errors.ts";
import { expiresAt, type Slots, str, type Turn } from "./turn.ts";

export type Resolved<T> = { ok: T } | { reply: Reply };

function missingTask(intent: string): Reply {
  return makeReply(intent, {
    text: `Which task do you mean? Give me its number, like "task 12".`,
    speech: "Which task do you mean? Tell me its number.",
  });
}

function noSuchTask(intent: string, said: string | number): Reply {
  const what = typeof said === "number" ? `task ${said}` : `a task matching "${said.slice(0, 40)}"`;
  return makeReply(intent, {
    text: `I can't find ${what}. Say "what's open" to see your tasks.`,
    speech: `I can't find ${typeof said === "number" ? `task ${said}` : "a task like that"}.`,
  });
}

async function byNumber(t: Turn, intent: string, n: number): Promise<Resolved<Task>> {
  try {
    return { ok: await getTask(t.tx, n) };
  } catch (e) {
    if (isHubError(e, "not_found") || isHubError(e, "validation")) return { reply: noSuchTask(intent, n) };
    throw e;
  }
}

/**
 * The task a slot names: a number, "last" (this conversation's last task, or the email thread's),
 * or title words. Several matches for the words → ask which (at most three) and remember the
 * question, so the next answer picks one.
 */
export async function resolveTask(t: Turn, intent: string, slots: Slots): Promise<Resolved<Task>> {
  const ref = slots.task;
  const threadTask = t.u.context?.taskNumber;
  if (ref === undefined || ref === null || ref === "last") {
    const n = threadTask ?? (ref === "last" ? t.state.lastTaskNumber : null);
    return n ? byNumber(t, intent, n) : { reply: missingTask(intent) };
  }
  if (typeof ref === "number") return byNumber(t, intent, ref);
  const words = str(ref);
  if (!words) return { reply: missingTask(intent) };
  const digits = /^#?\s*(\d{1,12})$/.exec(words);
  if (digits?.[1]) return byNumber(t, intent, Number(digits[1]));

  // Reopening is about closed tasks; everything else about open ones first.
  const openFirst = intent !== "task.reopen" && intent !== "task.show";
  let found = openFirst ? await findTasks(t.tx, words, { openOnly: true, limit: 4 }) : [];
  if (found.length === 0) found = await findTasks(t.tx, words, { limit: 4 });
  const first = found[0];
  if (!first) return { reply: noSuchTask(intent, words) };
  const exact = found.filter((f) => f.title.trim().toLowerCase() === words.toLowerCase());
  if (found.length === 1 || exact.length === 1) return { ok: exact[0] ?? first };
  // One title holds every word said, the others only some: that one was meant.
  const whole = found.filter((f) => holdsEveryWord(f.title, words));
  if (whole.length === 1 && whole[0]) return { ok: whole[0] };
  const options = found.slice(0, 3).map((f) => ({ number: f.number, title: f.title }));
  t.state.pending = { kind: "choose", intent, slots, options, expiresAt: expiresAt(t) };
  return { reply: askWhichTask(intent, words, options) };
}

/** Whether a title holds every word said (of three letters or more; at least two such words). */
export function holdsEveryWord(title: string, said: string): boolean {
  const words = said
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 2);
  const t = title.toLowerCase();
  return words.length > 1 && words.every((w) => t.includes(w));
}

/** A project by name, case-insensitive, closest match first. */
export async function resolveProject(t: Turn, intent: string, said: unknown): Promise<Resolved<Project>> {
  const name = str(said);
  if (!name) {
    return {
      reply: makeReply(intent, {
        text: `Which project? For example "how far along is Website".`,
        speech: "Which project do you mean?",
      }),
    };
  }
  // A confirmation stores the project it asked about by id.
  if (isUuid(name)) return { ok: await getProject(t.tx, name) };
  const found = await findProjects(t.tx, name, 3);
  const first = found[0];
  if (first) return { ok: first };
  const known = (await listProjects(t.tx, { status: "active" })).map((p) => p.name);
  return { reply: { ...unknownNames("a project", name, known), intent } };
}

/** An agent by name; names are stored lower-case, people say them any way. */
export async function resolveAgent(t: Turn, intent: string, said: unknown): Promise<Resolved<Agent>> {
  const name = str(said);
  if (!name) {
    return {
      reply: makeReply(intent, {
        text: "Which agent? For example seed.",
        speech: "Which agent do you mean?",
      }),
    };
  }
  for (const candidate of new Set([name, name.toLowerCase()])) {
    try {
      return { ok: await getAgent(t.tx, candidate) };
    } catch (e) {
      if (!isHubError(e, "not_found") && !isHubError(e, "validation")) throw e;
    }
  }
  const known = (await listAgents(t.tx)).map((a) => a.name);
  const close = known.find((k) => k.toLowerCase() === name.toLowerCase());
  if (close) return { ok: await getAgent(t.tx, close) };
  return { reply: { ...unknownNames("an agent", name, known), intent } };
}

/**
 * "fix the contact form for website": the rules take a project only when it is capitalised, so
 * a title ending in "for/in <an existing project's exact name>" names the project too.
 */
export async function projectInTitle(
  t: Turn,
  title: string,
): Promise<{ title: string; project: Project } | undefined> {
  const m = /^(.+?)\s+(?:for|in|on|under)\s+(?:the\s+)?(.+?)(?:\s+project)?$/i.exec(title.trim());
  const rest = m?.[1];
  const name = m?.[2];
  if (!rest || !name || name.length > 200) return undefined;
  const found = await findProjects(t.tx, name, 1);
  const p = found[0];
  return p && p.name.toLowerCase() === name.toLowerCase() && p.status !== "cancelled"
    ? { title: rest, project: p }
    : undefined;
}
