import type { ProjectProgress } from "../../core/types.ts";
import { emptyNote } from "../components.ts";
import { type Html, html } from "../html.ts";

function projectCard(p: ProjectProgress): Html {
  const pct = Math.round(p.percentComplete);
  // Cancelled tasks do not count, as in project_progress's percentage.
  const counted = p.completedTasks + p.inProgressTasks + p.blockedTasks + p.pendingTasks + p.failedTasks;
  const id = `p-${p.id}`;
  const trouble = [
    p.blockedTasks ? html`<span class="pill st-blocked">${p.blockedTasks} blocked</span>` : "",
    p.failedTasks ? html`<span class="pill st-failed">${p.failedTasks} failed</span>` : "",
  ];
  return html`<article class="card" id="${id}">
<h3><a href="/web/tasks?project=${encodeURIComponent(p.name)}&amp;status=all">${p.name}</a>${p.status === "active" ? "" : html` <span class="pill">${p.status}</span>`}</h3>
<div class="progress-row">
  <progress id="${id}-bar" max="100" value="${pct}" aria-label="${p.name}: ${pct}% done"></progress>
  <span class="pct">${pct}%</span>
</div>
<p class="meta"><span>${p.completedTasks} of ${counted} done</span><span>${p.inProgressTasks} in progress</span><span>${p.pendingTasks} waiting</span>${trouble}</p>
</article>`;
}

/** Projects with their progress (the project_progress view); finished ones last. */
export function projectsView(projects: ProjectProgress[]): Html {
  const order = { active: 0, paused: 1, completed: 2, cancelled: 3 } as const;
  const sorted = [...projects].sort((a, b) => order[a.status] - order[b.status]);
  return html`<div id="projects-head" class="view-head"><h1>Projects</h1></div>
<section id="projects" aria-label="Projects">
${sorted.length ? html`<div class="cards">${sorted.map(projectCard)}</div>` : emptyNote("No projects yet. Ask the Chief of Staff to start one.")}
</section>`;
}
