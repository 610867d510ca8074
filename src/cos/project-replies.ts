import type { Reply } from "../channels/types.ts";
import type { Project, ProjectProgress } from "../core/types.ts";
import { confirmReply, makeReply } from "./reply.ts";
import { sayCount, sayTitle } from "./speech.ts";
import { cleanText, joinAnd, plural, sentence, statusWords, truncate } from "./text.ts";

const name = (p: { name: string }) => truncate(cleanText(p.name), 60);
const act = (type: string, p: { name: string }, summary: string) => ({ type, id: p.name, summary });
const pct = (p: ProjectProgress) => Math.round(Number(p.percentComplete) || 0);

export function projectCreated(p: Project): Reply {
  return makeReply("project.create", {
    text: `I've started the project ${name(p)}. Add tasks to it with "add a task ... for ${name(p)}".`,
    speech: `I've started the project ${sayTitle(p.name)}.`,
    actions: [act("project.created", p, `created project ${p.name}`)],
  });
}

/** "4 of 10 done, 1 blocked" */
function progressWords(p: ProjectProgress): string {
  const open = p.totalTasks - p.completedTasks;
  const bits = [`${p.completedTasks} of ${p.totalTasks} done`];
  if (p.inProgressTasks) bits.push(`${p.inProgressTasks} in progress`);
  if (p.blockedTasks) bits.push(`${p.blockedTasks} blocked`);
  if (p.failedTasks) bits.push(`${p.failedTasks} failed`);
  return p.totalTasks === 0 ? "no tasks yet" : open === 0 ? `all ${p.totalTasks} done` : bits.join(", ");
}

export function projectShown(p: ProjectProgress): Reply {
  const status = p.status === "active" ? "" : ` It's ${statusWords(p.status)}.`;
  const spokenTotal =
    p.totalTasks === 0
      ? "has no tasks yet"
      : `is ${pct(p)} percent done, ${sayCount(p.completedTasks)} of ${sayCount(p.totalTasks)} tasks${p.blockedTasks ? `, with ${sayCount(p.blockedTasks)} blocked` : ""}`;
  return makeReply("project.show", {
    text: `${name(p)}: ${p.totalTasks ? `${pct(p)}% complete, ` : ""}${progressWords(p)}.${status}`,
    speech: `${sayTitle(p.name)} ${spokenTotal}.${status}`,
  });
}

const ITEMS = 6;

export function projectList(items: ProjectProgress[], status: string | undefined): Reply {
  const what = status ? `${statusWords(status)} project` : "project";
  if (items.length === 0) {
    return makeReply("project.list", {
      text: `No ${what}s yet. Start one with "start a project called ...".`,
      speech: `You have no ${what}s yet.`,
    });
  }
  const lines = items.slice(0, ITEMS).map((p) => {
    const st = p.status === "active" || status ? "" : ` [${statusWords(p.status)}]`;
    return `${name(p)}${st}: ${p.totalTasks ? `${pct(p)}%, ` : ""}${progressWords(p)}`;
  });
  if (items.length > ITEMS) lines.push(`and ${items.length - ITEMS} more`);
  const top = items.slice(0, 3).map((p) => `${sayTitle(p.name, 5)} at ${pct(p)} percent`);
  const more = items.length - top.length;
  return makeReply("project.list", {
    text: `${sentence(plural(items.length, what))}:\n${lines.join("\n")}`,
    speech: `You have ${sayCount(items.length)} ${items.length === 1 ? what : `${what}s`}: ${joinAnd(top)}${more > 0 ? `, and ${sayCount(more)} more` : ""}.`,
  });
}

const VERB: Record<string, string> = {
  paused: "put {name} on hold",
  active: "resumed {name}",
  completed: "marked {name} as completed",
  cancelled: "cancelled {name}",
};

export function projectStatusChanged(intent: string, p: Project): Reply {
  const verb = VERB[p.status] ?? `set {name} to ${p.status}`;
  const undo = p.status === "cancelled" ? ' Say "undo" if that was a mistake.' : "";
  return makeReply(intent, {
    text: `I've ${verb.replace("{name}", name(p))}.${undo}`,
    speech: `I've ${verb.replace("{name}", sayTitle(p.name))}.${undo.replace(/"/g, "")}`,
    actions: [act(`project.${p.status === "active" ? "resumed" : p.status}`, p, `${p.name} is ${p.status}`)],
  });
}

export function projectAlready(intent: string, p: Project): Reply {
  return makeReply(intent, {
    text: `${name(p)} is already ${statusWords(p.status)}.`,
    speech: `${sayTitle(p.name)} is already ${statusWords(p.status)}.`,
  });
}

export function askCancelProject(p: Project, openTasks: number): Reply {
  const tasks = openTasks ? ` It still has ${plural(openTasks, "open task")}.` : "";
  return confirmReply("project.cancel", {
    text: `Cancel the project ${name(p)}?${tasks} Say yes to go ahead.`,
    speech: `Should I cancel the project ${sayTitle(p.name)}?${tasks} Say yes or no.`,
  });
}
