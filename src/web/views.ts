import type { FastifyRequest } from "fastify";
import {
  getTask,
  listAgents,
  listEvents,
  listProjects,
  listTasks,
  listTaskUpdates,
  summarizeModelUsage,
  type TaskFilter,
} from "../core/index.ts";
import type { TaskStatus } from "../core/types.ts";
import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { lastDays, tasksDonePerDay } from "./agent-stats.ts";
import type { WebConfig } from "./deps.ts";
import type { Html } from "./html.ts";
import type { ViewName } from "./layout.ts";
import { loadNow, needsYou } from "./now-data.ts";
import { listSessions, type WebSession } from "./sessions.ts";
import { agentsView } from "./views/agents.ts";
import { costsView } from "./views/costs.ts";
import { nowView } from "./views/now.ts";
import { projectsView } from "./views/projects.ts";
import { sessionsView } from "./views/sessions.ts";
import { taskView } from "./views/task.ts";
import {
  filterQuery,
  STATUS_FILTERS,
  type StatusFilter,
  type TaskFilters,
  tasksView,
} from "./views/tasks.ts";

export interface ViewContext {
  sql: Sql;
  config: WebConfig;
  now: Date;
  session: WebSession;
}

export interface Rendered {
  title: string;
  body: Html;
  /** the fragment URL the client re-fetches on events (same query as the page) */
  liveSrc: string;
  needsYou?: number;
}

export interface View {
  name: ViewName | undefined;
  /** the page's path; the fragment is the same under /web/view */
  path: string;
  fragment: string;
  render(ctx: ViewContext, request: FastifyRequest): Promise<Rendered>;
}

const OPEN: TaskStatus[] = ["pending", "in_progress", "blocked"];
const COST_DAYS = 14;
const AGENT_DAYS = 7;

const queryOf = (request: FastifyRequest) => (request.query ?? {}) as Record<string, unknown>;
const str = (v: unknown, max = 200) => (typeof v === "string" ? v.trim().slice(0, max) : "");
const search = (request: FastifyRequest) => {
  const i = request.url.indexOf("?");
  return i >= 0 ? request.url.slice(i) : "";
};

function utcDays(now: Date, days: number): string[] {
  const out: string[] = [];
  for (let i = days - 1; i >= 0; i--)
    out.push(new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

/** Every view: its page path, its fragment path, and how it renders. */
export const VIEWS: View[] = [
  {
    name: "now",
    path: "/",
    fragment: "/web/view/now",
    async render(c) {
      const d = await loadNow(c.sql, c.session.id, c.now);
      const n = needsYou(d);
      return {
        title: n ? `(${n}) Now` : "Now",
        body: nowView(d, { now: c.now, timeZone: c.config.timeZone }),
        liveSrc: "/web/view/now",
        needsYou: n,
      };
    },
  },
  {
    name: "projects",
    path: "/web/projects",
    fragment: "/web/view/projects",
    async render(c) {
      return {
        title: "Projects",
        body: projectsView(await listProjects(c.sql)),
        liveSrc: "/web/view/projects",
      };
    },
  },
  {
    name: "tasks",
    path: "/web/tasks",
    fragment: "/web/view/tasks",
    async render(c, request) {
      const q = queryOf(request);
      const status = str(q.status) as StatusFilter;
      const filters: TaskFilters = {
        status: STATUS_FILTERS.includes(status) ? status : "open",
        project: str(q.project),
        assignee: str(q.assignee, 100),
        q: str(q.q),
      };
      const f: TaskFilter = { limit: 100 };
      if (filters.status === "open") f.status = OPEN;
      else if (filters.status !== "all") f.status = filters.status;
      if (filters.project) f.project = filters.project;
      if (filters.assignee) f.assignee = filters.assignee;
      if (filters.q) f.search = filters.q;
      const cursor = str(q.cursor, 500);
      if (cursor) f.cursor = cursor;
      const [page, projects, agents] = await Promise.all([
        listTasks(c.sql, f).catch((e: unknown) => {
          // A project that no longer exists is an empty list, not an error page.
          if (e instanceof HubError && e.code === "not_found") return { items: [] };
          throw e;
        }),
        listProjects(c.sql),
        listAgents(c.sql),
      ]);
      return {
        title: "Tasks",
        body: tasksView({
          tasks: page.items,
          nextCursor: "nextCursor" in page ? page.nextCursor : undefined,
          filters,
          projects,
          agents,
          now: c.now,
          timeZone: c.config.timeZone,
        }),
        liveSrc: `/web/view/tasks${cursor ? search(request) : filterQuery(filters)}`,
      };
    },
  },
  {
    name: "tasks",
    path: "/web/tasks/:number",
    fragment: "/web/view/tasks/:number",
    async render(c, request) {
      const n = str((request.params as Record<string, unknown>).number, 12);
      if (!/^\d{1,9}$/.test(n)) throw new HubError("not_found", "No such task");
      const task = await getTask(c.sql, Number(n));
      const [updates, events, agents] = await Promise.all([
        listTaskUpdates(c.sql, task.id, { limit: 100 }),
        listEvents(c.sql, { entityType: "task", entityId: task.id, limit: 500 }),
        listAgents(c.sql),
      ]);
      return {
        title: `#${task.number} ${task.title}`,
        body: taskView({ task, updates, events, agents, now: c.now, timeZone: c.config.timeZone }),
        liveSrc: `/web/view/tasks/${task.number}`,
      };
    },
  },
  {
    name: "agents",
    path: "/web/agents",
    fragment: "/web/view/agents",
    async render(c) {
      const [agents, working, done] = await Promise.all([
        listAgents(c.sql),
        listTasks(c.sql, { status: "in_progress", limit: 500 }),
        tasksDonePerDay(c.sql, c.config.timeZone, AGENT_DAYS),
      ]);
      return {
        title: "Agents",
        body: agentsView({
          agents,
          working: working.items,
          done,
          days: lastDays(c.now, c.config.timeZone, AGENT_DAYS),
          now: c.now,
        }),
        liveSrc: "/web/view/agents",
      };
    },
  },
  {
    name: "costs",
    path: "/web/costs",
    fragment: "/web/view/costs",
    async render(c) {
      const days = utcDays(c.now, COST_DAYS);
      const usage = await summarizeModelUsage(c.sql, { since: `${days[0]}T00:00:00Z` });
      return {
        title: "Costs",
        body: costsView({ usage, days, budget: c.config.llm.dailyBudgetUsd }),
        liveSrc: "/web/view/costs",
      };
    },
  },
  {
    name: "sessions",
    path: "/web/sessions",
    fragment: "/web/view/sessions",
    async render(c) {
      return {
        title: "Sessions",
        body: sessionsView({ sessions: await listSessions(c.sql), currentId: c.session.id, now: c.now }),
        liveSrc: "/web/view/sessions",
      };
    },
  },
];
