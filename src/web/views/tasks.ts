import type { Agent, ProjectProgress, Task } from "../../core/types.ts";
import { emptyNote, taskLink, taskMeta } from "../components.ts";
import { type Html, html } from "../html.ts";

export const STATUS_FILTERS = [
  "open",
  "all",
  "pending",
  "in_progress",
  "blocked",
  "completed",
  "failed",
  "cancelled",
] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export interface TaskFilters {
  status: StatusFilter;
  project: string;
  assignee: string;
  q: string;
}

const STATUS_NAMES: Record<StatusFilter, string> = {
  open: "Open",
  all: "All",
  pending: "Waiting",
  in_progress: "In progress",
  blocked: "Blocked",
  completed: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

const option = (value: string, label: string, selected: boolean) =>
  html`<option value="${value}"${selected ? html` selected` : ""}>${label}</option>`;

/** The query string for these filters (and a cursor), for links and the live re-fetch. */
export function filterQuery(f: TaskFilters, cursor?: string): string {
  const p = new URLSearchParams();
  if (f.status !== "open") p.set("status", f.status);
  if (f.project) p.set("project", f.project);
  if (f.assignee) p.set("assignee", f.assignee);
  if (f.q) p.set("q", f.q);
  if (cursor) p.set("cursor", cursor);
  const s = p.toString();
  return s ? `?${s}` : "";
}

export function tasksView(o: {
  tasks: Task[];
  nextCursor: string | undefined;
  filters: TaskFilters;
  projects: ProjectProgress[];
  agents: Agent[];
  now: Date;
  timeZone: string;
}): Html {
  const f = o.filters;
  return html`<div id="tasks-head" class="view-head"><h1>Tasks</h1></div>
<section id="task-filters" aria-label="Filters">
<form class="filters" method="get" action="/web/tasks" role="search">
  <div class="field"><label for="f-status">Status</label>
    <select id="f-status" name="status">${STATUS_FILTERS.map((s) => option(s, STATUS_NAMES[s], s === f.status))}</select></div>
  <div class="field"><label for="f-project">Project</label>
    <select id="f-project" name="project">${option("", "Any", f.project === "")}${o.projects.map((p) => option(p.name, p.name, p.name.toLowerCase() === f.project.toLowerCase()))}</select></div>
  <div class="field"><label for="f-assignee">Agent</label>
    <select id="f-assignee" name="assignee">${option("", "Anyone", f.assignee === "")}${o.agents.map((a) => option(a.name, a.name, a.name === f.assignee))}</select></div>
  <div class="field grow"><label for="f-q">Search titles</label>
    <input id="f-q" name="q" type="search" value="${f.q}" autocomplete="off"></div>
  <div class="field"><button type="submit" class="primary">Filter</button></div>
</form>
</section>
<section id="task-list" aria-label="Tasks">
${
  o.tasks.length
    ? html`<ul class="rows">${o.tasks.map((t) => html`<li class="task-row">${taskLink(t)}${taskMeta(t, o.now, o.timeZone)}</li>`)}</ul>`
    : emptyNote("No tasks match.")
}
${o.nextCursor ? html`<p><a class="more" href="/web/tasks${filterQuery(f, o.nextCursor)}">More tasks</a></p>` : ""}
</section>`;
}
