// Slash commands (Telegram, Discord, terminal). Commands are unambiguous, so they get top confidence;
// arguments reuse the free-text slot readers so "/task ... due friday" works like the sentence would.
import type { IntentName, ParseResult, Slots } from "../types.ts";
import { type RuleContext, result, unknown } from "./context.ts";
import { findDue } from "./dates.ts";
import { parseFreeText } from "./free-text.ts";
import { priorityWord } from "./priority.ts";
import { cleanAgentName, cleanProjectName, parseTaskRef } from "./refs.ts";
import { extractTaskFields } from "./task-fields.ts";
import { cleanValue, stripFillers, trimPunct } from "./text.ts";

const COMMAND_RE = /^[/!](?<cmd>[\p{L}\d_-]{1,40})(?:@[\w]{1,64})?(?:\s+(?<args>[\s\S]*))?$/u;

const ALIASES: Record<string, string> = {
  t: "task",
  add: "task",
  new: "task",
  newtask: "task",
  todo: "task",
  create: "task",
  task_new: "task",
  list: "tasks",
  ls: "tasks",
  todos: "tasks",
  brief: "status",
  briefing: "status",
  summary: "status",
  digest: "status",
  report: "status",
  update: "status",
  start: "help",
  commands: "help",
  h: "help",
  menu: "help",
  complete: "done",
  finish: "done",
  close: "done",
  drop: "cancel",
  delete: "cancel",
  rm: "cancel",
  remove: "cancel",
  kill: "cancel",
  show: "view",
  info: "view",
  details: "view",
  c: "comment",
  reply: "comment",
  note: "comment",
  answer: "comment",
  y: "yes",
  confirm: "yes",
  n: "no",
  newproject: "newproject",
  project_new: "newproject",
  createproject: "newproject",
  addproject: "newproject",
  newagent: "newagent",
  agent_new: "newagent",
  createagent: "newagent",
  addagent: "newagent",
  prio: "priority",
  deadline: "due",
  revert: "undo",
  silence: "mute",
  notifications: "notify",
  notif: "notify",
  unpause: "resume",
  hold: "pause",
  re_open: "reopen",
  "re-open": "reopen",
};

const PROJECT_STATUS_ARG: Record<string, string> = {
  active: "active",
  paused: "paused",
  "on hold": "paused",
  completed: "completed",
  done: "completed",
  cancelled: "cancelled",
  canceled: "cancelled",
};

function taskArg(args: string): ParseResult["slots"]["task"] {
  return parseTaskRef(args) ?? (args ? undefined : "last");
}

/** One task arg, then the rest: "/assign 12 seed", "/comment #12 go with Stripe". */
function splitTask(args: string): { task: Slots["task"]; rest: string } | undefined {
  const m = /^(?<t>(?:task\s*)?#?\d+|it|that|last)\b[\s:,-]*(?<rest>.*)$/i.exec(args);
  if (!m?.groups?.t) return undefined;
  const task = parseTaskRef(m.groups.t);
  return task === undefined ? undefined : { task, rest: m.groups.rest ?? "" };
}

function withTask(intent: IntentName, args: string): ParseResult {
  const task = taskArg(args);
  if (task === undefined) return result(intent, {}, 0.6);
  return result(intent, { task }, args ? 0.98 : 0.7);
}

export function parseCommand(text: string, ctx: RuleContext): ParseResult | undefined {
  const m = COMMAND_RE.exec(text);
  if (!m?.groups?.cmd) return undefined;
  const raw = m.groups.cmd.toLowerCase();
  const cmd = ALIASES[raw] ?? raw;
  const args = trimPunct(m.groups.args ?? "");
  switch (cmd) {
    case "task": {
      if (!args) return result("task.create", {}, 0.5);
      const byNumber = splitTask(args);
      if (byNumber && !byNumber.rest) return result("task.show", { task: byNumber.task }, 0.95);
      const slots = extractTaskFields(args, ctx.dates);
      return result("task.create", slots, slots.title ? 0.98 : 0.5);
    }
    case "tasks": {
      if (!args) return result("task.list", {}, 0.99);
      const parsed = parseFreeText({ ...ctx, text: `tasks ${args}` });
      if (parsed?.intent === "task.list") return { ...parsed, confidence: 0.97 };
      const at = /@(\S+)/.exec(args);
      const project = at?.[1] ? cleanProjectName(at[1]) : cleanProjectName(args);
      return result("task.list", { project }, 0.8);
    }
    case "status": {
      if (!args) return result("briefing", {}, 0.99);
      const byNumber = splitTask(args);
      if (byNumber && !byNumber.rest) return result("task.show", { task: byNumber.task }, 0.97);
      return result("project.show", { project: cleanProjectName(args) }, 0.8);
    }
    case "agents":
      return result("agent.list", {}, 0.99);
    case "agent": {
      const agent = cleanAgentName(args);
      return agent ? result("agent.show", { agent }, 0.97) : result("agent.list", {}, 0.9);
    }
    case "projects":
      return result("project.list", { status: PROJECT_STATUS_ARG[args.toLowerCase()] }, args ? 0.9 : 0.99);
    case "project": {
      const sub =
        /^(?<verb>new|create|add|pause|resume|done|complete|cancel|kill|show|status)\b\s*(?<rest>.*)$/i.exec(
          args,
        );
      const verb = sub?.groups?.verb?.toLowerCase();
      const rest = sub?.groups?.rest ?? "";
      if (verb === "new" || verb === "create" || verb === "add") return commandProjectCreate(rest);
      const project = cleanProjectName(verb ? rest : args);
      if (!project) return result("project.list", {}, 0.9);
      const intent: IntentName =
        verb === "pause"
          ? "project.pause"
          : verb === "resume"
            ? "project.resume"
            : verb === "done" || verb === "complete"
              ? "project.complete"
              : verb === "cancel" || verb === "kill"
                ? "project.cancel"
                : "project.show";
      return result(intent, { project }, 0.97);
    }
    case "newproject":
      return commandProjectCreate(args);
    case "newagent": {
      const parsed = parseFreeText({ ...ctx, text: `create an agent called ${args}` });
      return parsed?.intent === "agent.create"
        ? { ...parsed, confidence: 0.95 }
        : result("agent.create", {}, 0.5);
    }
    case "pause":
    case "resume": {
      const project = cleanProjectName(args);
      return result(cmd === "pause" ? "project.pause" : "project.resume", { project }, project ? 0.97 : 0.6);
    }
    case "help":
      return result("help", {}, 0.99);
    case "undo":
      return result("undo", {}, 0.99);
    case "done":
      return withTask("task.complete", args);
    case "cancel":
      return withTask("task.cancel", args);
    case "reopen":
      return withTask("task.reopen", args);
    case "view":
      return withTask("task.show", args);
    case "assign": {
      const s = splitTask(args);
      const assignee = s ? cleanAgentName(s.rest.replace(/^to\s+/i, "")) : undefined;
      return result("task.assign", { task: s?.task, assignee }, s && assignee ? 0.97 : 0.6);
    }
    case "comment": {
      const s = splitTask(args);
      const message = s ? cleanValue(s.rest) : undefined;
      return result("task.comment", { task: s?.task, message }, s && message ? 0.97 : 0.6);
    }
    case "priority": {
      const s = splitTask(args);
      const priority = s ? priorityWord(s.rest) : undefined;
      return result("task.update", { task: s?.task, priority }, s && priority ? 0.97 : 0.6);
    }
    case "due": {
      const s = splitTask(args);
      const due = s ? findDue(s.rest, ctx.dates)?.value : undefined;
      return result("task.update", { task: s?.task, due }, s && due ? 0.97 : 0.6);
    }
    case "rename": {
      const s = splitTask(args);
      const title = s ? cleanValue(s.rest.replace(/^to\s+/i, "")) : undefined;
      return result("task.update", { task: s?.task, title }, s && title ? 0.97 : 0.6);
    }
    case "mute":
      return result("notify.set", { level: "none" }, 0.98);
    case "unmute":
      return result("notify.set", { level: "all" }, 0.98);
    case "notify": {
      const level = /\b(all|important|none|off|on|everything|nothing)\b/i.exec(args)?.[1]?.toLowerCase();
      const mapped =
        level === "off" || level === "nothing"
          ? "none"
          : level === "on" || level === "everything"
            ? "all"
            : level;
      const channel = /\b(telegram|discord|email|voice|web|terminal|sms)\b/i.exec(args)?.[1]?.toLowerCase();
      return result("notify.set", { level: mapped as Slots["level"], channel }, mapped ? 0.97 : 0.5);
    }
    case "yes":
      return result("confirm", { answer: "yes" }, 0.99);
    case "no":
      return result("confirm", { answer: "no" }, 0.99);
    default: {
      // An unknown command may still be a sentence typed after a slash ("/what is blocked").
      const parsed = parseFreeText({ ...ctx, text: stripFillers(`${raw} ${args}`) });
      if (parsed && parsed.intent !== "unknown")
        return { ...parsed, confidence: Math.min(parsed.confidence, 0.6) };
      return unknown(0.2);
    }
  }
}

function commandProjectCreate(args: string): ParseResult {
  const m = /^(?:"(?<q>[^"]+)"|(?<n>[^:|\-–]+?))(?:\s*(?:[:|\-–]|\s-\s)\s*(?<d>.+))?$/.exec(args);
  const name = cleanProjectName(m?.groups?.q ?? m?.groups?.n ?? "");
  const description = m?.groups?.d ? cleanValue(m.groups.d) : undefined;
  return result("project.create", { name, description }, name ? 0.97 : 0.5);
}
