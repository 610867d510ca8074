import type { Agent, Task } from "../../core/types.ts";
import { barChart } from "../chart.ts";
import { emptyNote, taskLink } from "../components.ts";
import { timeAgo } from "../format.ts";
import { type Html, html } from "../html.ts";

const TYPE_WORDS = { chief_of_staff: "Chief of Staff", worker: "worker", specialist: "specialist" } as const;

function agentCard(
  a: Agent,
  current: Task | undefined,
  done: Map<string, number> | undefined,
  days: string[],
  now: Date,
): Html {
  const total = days.reduce((s, d) => s + (done?.get(d) ?? 0), 0);
  const perDay = days.map((d) => ({
    label: d.slice(8),
    value: done?.get(d) ?? 0,
    title: `${d}: ${done?.get(d) ?? 0} done`,
  }));
  return html`<article class="card" id="a-${a.name}">
<h3>${a.name} <span class="muted small">${TYPE_WORDS[a.type]}</span></h3>
<p class="meta"><span class="pill ag-${a.status}">${a.status}</span><span>heartbeat ${timeAgo(a.lastHeartbeatAt, now)}</span></p>
<p>${current ? html`Working on ${taskLink(current)}` : a.currentTaskNumber ? html`Working on <a href="/web/tasks/${a.currentTaskNumber}">#${a.currentTaskNumber}</a>` : html`<span class="muted">No current task</span>`}</p>
<p class="small">${total} done in ${days.length} days</p>
<div class="spark">${barChart({ bars: perDay, label: `${a.name}: tasks done per day, ${total} in ${days.length} days`, format: String, height: 70, axis: false })}</div>
</article>`;
}

/** Agents: status, last heartbeat, what they hold, tasks done per day. */
export function agentsView(o: {
  agents: Agent[];
  working: Task[];
  done: Map<string, Map<string, number>>;
  days: string[];
  now: Date;
}): Html {
  const byHolder = new Map(o.working.map((t) => [t.claimedBy ?? "", t]));
  return html`<div id="agents-head" class="view-head"><h1>Agents</h1></div>
<section id="agents" aria-label="Agents">
${o.agents.length ? html`<div class="cards">${o.agents.map((a) => agentCard(a, byHolder.get(a.name), o.done.get(a.name), o.days, o.now))}</div>` : emptyNote("No agents registered yet.")}
</section>`;
}
