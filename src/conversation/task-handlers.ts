import type { Reply } from "../channels/types.ts";
import {
  assignTask,
  type Changed,
  cancelTask,
  commentOnTask,
  completeTask,
  countTasks,
  createProject,
  createTask,
  findProjects,
  listProjects,
  listRecentlyCompleted,
  listTasks,
  listTaskUpdates,
  reopenTask,
  type TaskChanges,
  type TaskFilter,
  updateTask,
} from "../core/index.ts";
import type { PriorityName, Task, TaskStatus } from "../core/types.ts";
import { confirmReply, makeReply } from "../cos/reply.ts";
import {
  askCancelTask,
  askCompleteTask,
  taskAlready,
  taskAssigned,
  taskCancelled,
  taskCommented,
  taskCompleted,
  taskCreated,
  taskList,
  taskReopened,
  taskShown,
  taskUpdated,
} from "../cos/task-replies.ts";
import { cleanText } from "../cos/text.ts";
import { dueDateToInstant } from "../cos/time.ts";
import { projectInTitle, resolveAgent, resolveProject, resolveTask } from "./resolve.ts";
import type { PendingConfirm, UndoEntry } from "./state.ts";
import { type Agreed, expiresAt, type Slots, str, type Turn } from "./turn.ts";

const PRIORITIES = new Set(["low", "medium", "high", "critical"]);
const STATUSES = new Set(["pending", "in_progress", "blocked", "completed", "failed", "cancelled"]);
const OPEN: TaskStatus[] = ["pending", "in_progress", "blocked"];
/** the most a spoken or written list reads; beyond it, the reply counts */
const LIST_LIMIT = 200;

const priorityOf = (v: unknown) =>
  typeof v === "string" && PRIORITIES.has(v) ? (v as PriorityName) : undefined;

function pushUndo(t: Turn, e: UndoEntry) {
  t.state.undo.push(e);
}

/** The task before the change, kept as JSON for `undo`; the after-time tells whether it moved since. */
function rememberChange(t: Turn, c: Changed, summary: string) {
  pushUndo(t, {
    kind: "task.restore",
    taskNumber: c.task.number,
    snapshot: JSON.parse(JSON.stringify(c.previous)) as Record<string, unknown>,
    afterUpdatedAt: c.task.updatedAt.toISOString(),
    summary,
  });
}

const about = (t: Turn, task: Task) => {
  t.state.lastTaskNumber = task.number;
};

export async function createTaskIntent(t: Turn, slots: Slots): Promise<Reply> {
  let title = str(slots.title);
  if (!title) {
    return makeReply("task.create", {
      text: `What should the task be? For example "add a task to call the bank".`,
      speech: "What should the task be?",
    });
  }
  let projectId: string | undefined;
  const newProject = str(slots.newProject);
  const said = str(slots.project);
  if (newProject) {
    // The person agreed to start the project they named.
    projectId = (await createProject(t.tx, { name: newProject }, t.op)).id;
  } else if (said && (await findProjects(t.tx, said, 1)).length === 0) {
    t.state.pending = {
      kind: "confirm",
      intent: "task.create",
      slots: { ...slots, newProject: said },
      agreed: [],
      question: `start ${said}`,
      expiresAt: expiresAt(t),
    };
    const known = (await listProjects(t.tx, { status: "active" })).slice(0, 3).map((p) => p.name);
    const knownText = known.length > 0 ? ` (I know ${known.join(", ")})` : "";
    return confirmReply("task.create", {
      text: `I don't know a project called "${cleanText(said).slice(0, 80)}"${knownText}. Shall I start it and add "${cleanText(title).slice(0, 80)}" there?`,
      speech: `I don't know a project called ${cleanText(said).slice(0, 40)}. Shall I start it and add the task there?`,
    });
  } else if (slots.project !== undefined) {
    const p = await resolveProject(t, "task.create", slots.project);
    if ("reply" in p) return p.reply;
    projectId = p.ok.id;
  } else {
    const inTitle = await projectInTitle(t, title);
    if (inTitle) {
      title = inTitle.title;
      projectId = inTitle.project.id;
    }
  }
  let assignee: string | undefined;
  if (slots.assignee !== undefined) {
    const a = await resolveAgent(t, "task.create", slots.assignee);
    if ("reply" in a) return a.reply;
    assignee = a.ok.name;
  }
  const due = str(slots.due);
  const dueAt = due ? dueDateToInstant(due, t.fmt.timeZone) : undefined;
  const description = str(slots.description) ?? str(t.u.body);
  const priority = priorityOf(slots.priority);
  const task = await createTask(
    t.tx,
    {
      title: cleanText(title).slice(0, 500),
      ...(description ? { description } : {}),
      ...(projectId ? { project: projectId } : {}),
      ...(priority ? { priority } : {}),
      ...(dueAt ? { dueAt } : {}),
      ...(assignee ? { assignedTo: assignee } : {}),
    },
    t.op,
    t.settings,
  );
  about(t, task);
  pushUndo(t, {
    kind: "task.created",
    taskNumber: task.number,
    afterUpdatedAt: task.updatedAt.toISOString(),
    summary: `task ${task.number} is cancelled`,
  });
  return taskCreated(task, t.fmt);
}

export async function listTasksIntent(t: Turn, slots: Slots): Promise<Reply> {
  const status = str(slots.status);
  const filter: TaskFilter = {
    limit: LIST_LIMIT,
    status: status && STATUSES.has(status) ? (status as TaskStatus) : OPEN,
  };
  let suffix = "";
  let assignee = slots.assignee;
  if (slots.project !== undefined) {
    const p = await resolveProject(t, "task.list", slots.project);
    if ("ok" in p) {
      filter.project = p.ok.id;
      suffix = `in ${p.ok.name}`;
    } else {
      // "/tasks seed": no project of that name, but an agent's, said where a project goes.
      const agent = assignee === undefined ? await resolveAgent(t, "task.list", slots.project) : undefined;
      if (!agent || !("ok" in agent)) return p.reply;
      assignee = agent.ok.name;
    }
  }
  if (assignee !== undefined) {
    const a = await resolveAgent(t, "task.list", assignee);
    if ("reply" in a) return a.reply;
    filter.assignee = a.ok.name;
    suffix = `${suffix} for ${a.ok.name}`.trim();
  }
  const priority = priorityOf(slots.priority);
  if (priority) filter.priority = priority;
  // Finished tasks: the most recent first ("what got done" means lately, not the most
  // important of all time). Others: the most important first.
  let tasks: Task[];
  let more: boolean;
  if (filter.status === "completed") {
    const { status: _, ...rest } = filter;
    const got = await listRecentlyCompleted(t.tx, { ...rest, limit: LIST_LIMIT + 1 });
    tasks = got.slice(0, LIST_LIMIT);
    more = got.length > LIST_LIMIT;
  } else {
    const page = await listTasks(t.tx, filter);
    tasks = page.items;
    more = page.nextCursor !== undefined;
  }
  const adjective = [
    priority === "critical" || priority === "high" ? priority : "",
    status ? statusAdjective(status) : "open",
  ]
    .filter((s) => s.length > 0)
    .join(" ");
  // More than a page: say how many there are, not how many were read.
  const total = more ? await countTasks(t.tx, filter) : tasks.length;
  return taskList({ tasks, total, adjective, suffix }, t.fmt);
}

const statusAdjective = (s: string) =>
  ({ in_progress: "in-progress", pending: "waiting", completed: "finished" })[s] ?? s.replace(/_/g, " ");

export async function showTaskIntent(t: Turn, slots: Slots): Promise<Reply> {
  const r = await resolveTask(t, "task.show", slots);
  if ("reply" in r) return r.reply;
  about(t, r.ok);
  const updates = await listTaskUpdates(t.tx, r.ok.id, { limit: 1 });
  return taskShown(r.ok, t.fmt, updates[0]);
}

export async function updateTaskIntent(t: Turn, slots: Slots): Promise<Reply> {
  const r = await resolveTask(t, "task.update", slots);
  if ("reply" in r) return r.reply;
  about(t, r.ok);
  const ch: TaskChanges = {};
  const changed: string[] = [];
  const title = str(slots.title);
  if (title) {
    ch.title = cleanText(title).slice(0, 500);
    changed.push("title");
  }
  const priority = priorityOf(slots.priority);
  if (priority) {
    ch.priority = priority;
    changed.push("priority");
  }
  const due = str(slots.due);
  const dueAt = due ? dueDateToInstant(due, t.fmt.timeZone) : undefined;
  if (dueAt) {
    ch.dueAt = dueAt;
    changed.push("dueAt");
  }
  const description = str(slots.description);
  if (description) {
    ch.description = description;
    changed.push("description");
  }
  if (changed.length === 0) {
    return makeReply("task.update", {
      text: `What should I change on task ${r.ok.number}? For example "make it urgent" or "due next monday".`,
      speech: `What should I change on task ${r.ok.number}?`,
      taskNumber: r.ok.number,
    });
  }
  const c = await updateTask(t.tx, r.ok.id, ch, t.op);
  rememberChange(t, c, `task ${c.task.number} is back as it was`);
  return taskUpdated(c.task, changed, t.fmt, c.previous);
}

export async function assignTaskIntent(t: Turn, slots: Slots): Promise<Reply> {
  const r = await resolveTask(t, "task.assign", slots);
  if ("reply" in r) return r.reply;
  about(t, r.ok);
  if (slots.assignee === undefined) {
    return makeReply("task.assign", {
      text: `Who should take task ${r.ok.number}? For example "give it to seed".`,
      speech: `Who should take task ${r.ok.number}?`,
      taskNumber: r.ok.number,
    });
  }
  const a = await resolveAgent(t, "task.assign", slots.assignee);
  if ("reply" in a) return a.reply;
  const c = await assignTask(t.tx, r.ok.id, a.ok.name, t.op);
  rememberChange(t, c, `task ${c.task.number} is back with ${c.previous.assignedTo ?? "nobody"}`);
  return taskAssigned(c.task);
}

/** Asks before acting on the task: a yes runs `intent` on it by number, with `agreed` given. */
function askFirst(
  t: Turn,
  intent: "task.complete" | "task.cancel",
  task: Task,
  agreed: PendingConfirm["agreed"],
  question: Reply,
): Reply {
  const verb = intent === "task.complete" ? "complete" : "cancel";
  t.state.pending = {
    kind: "confirm",
    intent,
    slots: { task: task.number },
    agreed,
    question: `${verb} task ${task.number}`,
    expiresAt: expiresAt(t),
  };
  return question;
}

export async function completeTaskIntent(t: Turn, slots: Slots, agreed: Agreed): Promise<Reply> {
  const r = await resolveTask(t, "task.complete", slots);
  if ("reply" in r) return r.reply;
  about(t, r.ok);
  if (r.ok.status === "completed" || r.ok.status === "cancelled") return taskAlready("task.complete", r.ok);
  // "close the door", "finish line": one word of a title is a guess, so it is read back first.
  const words = typeof slots.task === "string" && slots.task !== "last" ? slots.task.trim() : "";
  if (words && !/\s/.test(words) && !/^#?\d+$/.test(words) && !agreed.has("asked")) {
    return askFirst(t, "task.complete", r.ok, [...agreed, "asked"], askCompleteTask(r.ok));
  }
  const c = await completeTask(t.tx, r.ok.id, {}, t.op);
  rememberChange(t, c, `task ${c.task.number} is ${c.previous.status.replace("_", " ")} again`);
  return taskCompleted(c.task);
}

export async function cancelTaskIntent(t: Turn, slots: Slots, agreed: Agreed): Promise<Reply> {
  const r = await resolveTask(t, "task.cancel", slots);
  if ("reply" in r) return r.reply;
  about(t, r.ok);
  if (r.ok.status === "cancelled" || r.ok.status === "completed") return taskAlready("task.cancel", r.ok);
  if (!agreed.has("destructive")) {
    return askFirst(t, "task.cancel", r.ok, [...agreed, "destructive"], askCancelTask(r.ok));
  }
  const c = await cancelTask(t.tx, r.ok.id, t.op);
  rememberChange(t, c, `task ${c.task.number} is ${c.previous.status.replace("_", " ")} again`);
  return taskCancelled(c.task);
}

export async function reopenTaskIntent(t: Turn, slots: Slots): Promise<Reply> {
  const r = await resolveTask(t, "task.reopen", slots);
  if ("reply" in r) return r.reply;
  about(t, r.ok);
  if (r.ok.status === "pending" || r.ok.status === "in_progress") return taskAlready("task.reopen", r.ok);
  const c = await reopenTask(t.tx, r.ok.id, t.op);
  rememberChange(t, c, `task ${c.task.number} is ${c.previous.status.replace("_", " ")} again`);
  return taskReopened(c.task);
}

/** A note for the task's agent; on a task blocked by the agent's question, the answer. */
export async function commentTaskIntent(t: Turn, slots: Slots): Promise<Reply> {
  const r = await resolveTask(t, "task.comment", slots);
  if ("reply" in r) return r.reply;
  about(t, r.ok);
  const message = str(slots.message) ?? str(t.u.body);
  if (!message) {
    return makeReply("task.comment", {
      text: `What should I tell them on task ${r.ok.number}? For example "reply to ${r.ok.number}: go with Stripe".`,
      speech: `What should I pass on for task ${r.ok.number}?`,
      taskNumber: r.ok.number,
    });
  }
  const c = await commentOnTask(t.tx, r.ok.id, message, t.op);
  pushUndo(t, {
    kind: "none",
    reason: `I can't take back a note once ${c.task.assignedTo ?? "the agent"} has it, but you can send a correction to task ${c.task.number}.`,
  });
  return taskCommented(c.task, c.unblocked);
}
