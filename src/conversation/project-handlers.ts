import type { Reply } from "../channels/types.ts";
import {
  createProject,
  findTasks,
  getProjectProgress,
  listProjects,
  setProjectStatus,
} from "../core/index.ts";
import type { ProjectStatus } from "../core/types.ts";
import {
  askCancelProject,
  projectAlready,
  projectCreated,
  projectList,
  projectShown,
  projectStatusChanged,
} from "../cos/project-replies.ts";
import { makeReply } from "../cos/reply.ts";
import { cleanText } from "../cos/text.ts";
import { holdsEveryWord, resolveProject } from "./resolve.ts";
import { showTaskIntent } from "./task-handlers.ts";
import { type Agreed, expiresAt, type Slots, str, type Turn } from "./turn.ts";

const PRIORITIES = new Set(["low", "medium", "high", "critical"]);
const STATUSES = new Set(["active", "paused", "completed", "cancelled"]);

export async function createProjectIntent(t: Turn, slots: Slots): Promise<Reply> {
  const name = str(slots.name);
  if (!name) {
    return makeReply("project.create", {
      text: `What should the project be called? For example "start a project called Launch".`,
      speech: "What should the project be called?",
    });
  }
  const description = str(slots.description);
  const priority = str(slots.priority);
  const p = await createProject(
    t.tx,
    {
      name: cleanText(name).slice(0, 200),
      ...(description ? { description } : {}),
      ...(priority && PRIORITIES.has(priority) ? { priority } : {}),
    },
    t.op,
  );
  t.state.undo.push({
    kind: "project.created",
    projectId: p.id,
    name: p.name,
    summary: `${p.name} is cancelled`,
  });
  return projectCreated(p);
}

export async function listProjectsIntent(t: Turn, slots: Slots): Promise<Reply> {
  const status = str(slots.status);
  const wanted = status && STATUSES.has(status) ? (status as ProjectStatus) : undefined;
  const all = await listProjects(t.tx, wanted ? { status: wanted } : {});
  // Without a status, the projects still going: finished ones would drown them.
  const items = wanted ? all : all.filter((p) => p.status === "active" || p.status === "paused");
  return projectList(items, wanted);
}

export async function showProjectIntent(t: Turn, slots: Slots): Promise<Reply> {
  const p = await resolveProject(t, "project.show", slots.project);
  if ("reply" in p) {
    // "how's the landing page going" is said of tasks too: no project by that name, but a task
    // whose title holds every word.
    const words = str(slots.project);
    const tasks = words ? await findTasks(t.tx, words, { limit: 4 }) : [];
    if (words && tasks.some((task) => holdsEveryWord(task.title, words))) {
      return showTaskIntent(t, { task: words });
    }
    return p.reply;
  }
  return projectShown(await getProjectProgress(t.tx, p.ok.id));
}

const TARGET: Record<string, ProjectStatus> = {
  "project.pause": "paused",
  "project.resume": "active",
  "project.complete": "completed",
  "project.cancel": "cancelled",
};

export async function setProjectStatusIntent(
  t: Turn,
  intent: string,
  slots: Slots,
  agreed: Agreed,
): Promise<Reply> {
  const target = TARGET[intent];
  if (!target) throw new Error(`not a project status intent: ${intent}`);
  const p = await resolveProject(t, intent, slots.project);
  if ("reply" in p) return p.reply;
  if (p.ok.status === target) return projectAlready(intent, p.ok);
  if (target === "cancelled" && !agreed.has("destructive")) {
    const progress = await getProjectProgress(t.tx, p.ok.id);
    t.state.pending = {
      kind: "confirm",
      intent,
      slots: { project: p.ok.id },
      agreed: [...agreed, "destructive"],
      question: `cancel the project ${p.ok.name}`,
      expiresAt: expiresAt(t),
    };
    return askCancelProject(p.ok, progress.pendingTasks + progress.inProgressTasks + progress.blockedTasks);
  }
  const r = await setProjectStatus(t.tx, p.ok.id, target, t.op);
  t.state.undo.push({
    kind: "project.status",
    projectId: r.project.id,
    name: r.project.name,
    previousStatus: r.previousStatus,
    summary: `${r.project.name} is ${r.previousStatus} again`,
  });
  return projectStatusChanged(intent, r.project);
}
