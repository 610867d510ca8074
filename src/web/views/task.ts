import { priorityName } from "../../core/index.ts";
import type { Agent, HubEvent, Task, TaskUpdate } from "../../core/types.ts";
import { localDate } from "../../cos/time.ts";
import { actionButton, taskMeta } from "../components.ts";
import { timeAgo, when } from "../format.ts";
import { type Html, html } from "../html.ts";

// These events repeat a task update (shown with its full text) or say nothing to a person.
const SHOWN_AS_UPDATES = new Set(["task.question", "task.answered", "task.commented", "task.progress"]);

const EVENT_WORDS: Record<string, string> = {
  "task.created": "created",
  "task.updated": "changed",
  "task.assigned": "assigned",
  "task.claimed": "picked up",
  "task.completed": "completed",
  "task.failed": "failed",
  "task.blocked": "blocked",
  "task.cancelled": "cancelled",
  "task.reopened": "reopened",
  "task.lease_expired": "lease expired, back in the queue",
};

const UPDATE_WORDS: Record<string, string> = {
  question: "asked",
  answer: "answered",
  comment: "noted",
  note: "noted",
  progress: "reported",
  error: "reported an error",
  status_change: "changed status",
};

interface Entry {
  at: Date;
  who: string;
  what: string;
  text: string | undefined;
  kind: string;
}

function eventText(e: HubEvent): string | undefined {
  const p = e.payload;
  const pick = (k: string) => (typeof p[k] === "string" ? (p[k] as string) : undefined);
  if (e.type === "task.assigned") return pick("assignedTo") ? `to ${pick("assignedTo")}` : "to nobody";
  if (e.type === "task.blocked") return pick("reason");
  if (e.type === "task.failed") return pick("error");
  if (e.type === "task.completed") return pick("result");
  if (e.type === "task.updated" && p.changes && typeof p.changes === "object")
    return Object.keys(p.changes).join(", ");
  return undefined;
}

/** Updates and events of one task, newest first. */
export function timeline(updates: TaskUpdate[], events: HubEvent[]): Entry[] {
  const out: Entry[] = updates.map((u) => ({
    at: u.createdAt,
    who: u.agentName ?? "you",
    what: UPDATE_WORDS[u.updateType] ?? u.updateType,
    text: u.message,
    kind: u.updateType,
  }));
  for (const e of events) {
    if (SHOWN_AS_UPDATES.has(e.type)) continue;
    const actor = e.payload.actor as { kind?: string; name?: string } | undefined;
    const who = actor?.kind === "person" ? "you" : (actor?.name ?? e.actor ?? "system");
    out.push({
      at: e.createdAt,
      who,
      what: EVENT_WORDS[e.type] ?? e.type,
      text: eventText(e),
      kind: "event",
    });
  }
  return out.sort((a, b) => b.at.getTime() - a.at.getTime());
}

export function taskView(o: {
  task: Task;
  updates: TaskUpdate[];
  events: HubEvent[];
  agents: Agent[];
  now: Date;
  timeZone: string;
}): Html {
  const t = o.task;
  const n = t.number;
  const open = t.status === "pending" || t.status === "in_progress" || t.status === "blocked";
  const entries = timeline(o.updates, o.events);
  const prio = priorityName(t.priority);
  const latestQa = o.updates.find((u) => u.updateType === "question" || u.updateType === "answer");
  const waitingAnswer = t.status === "blocked" && latestQa?.updateType === "question";
  return html`<div id="task-head" class="view-head">
<p class="crumbs"><a href="/web/tasks">Tasks</a></p>
<h1><span class="num">#${n}</span> ${t.title}</h1>
${taskMeta(t, o.now, o.timeZone)}
</div>
<section id="task-state" aria-label="State">
${t.description ? html`<p class="desc">${t.description}</p>` : ""}
${waitingAnswer && latestQa ? html`<figure class="question"><blockquote>${latestQa.message}</blockquote><figcaption>${latestQa.agentName ?? "An agent"} is waiting for your answer</figcaption></figure>` : ""}
${t.status === "blocked" && !waitingAnswer && t.blockedReason ? html`<p class="why">Blocked: ${t.blockedReason}</p>` : ""}
${t.status === "failed" && t.error ? html`<p class="why">Failed: ${t.error}</p>` : ""}
<div class="actions">
  ${open ? actionButton("Done", "task.complete", n, { variant: "primary" }) : ""}
  ${t.status === "blocked" || !open ? actionButton(t.status === "failed" ? "Retry" : "Reopen", "task.reopen", n, { variant: open ? "quiet" : "primary" }) : ""}
  ${t.status !== "completed" && t.status !== "cancelled" ? actionButton("Cancel…", "task.cancel", n, { variant: "danger" }) : ""}
</div>
<form class="answer" method="post" action="/web/actions" data-ajax>
  <input type="hidden" name="intent" value="task.comment"><input type="hidden" name="task" value="${n}">
  <label for="note-${n}">${waitingAnswer ? "Your answer" : `A note for ${t.claimedBy ?? t.assignedTo ?? "the agent"}`}</label>
  <textarea id="note-${n}" name="message" rows="2" required maxlength="4000"></textarea>
  <div class="row"><button type="submit" class="primary">${waitingAnswer ? "Send answer" : "Send note"}</button></div>
</form>
${
  open
    ? html`<div class="edits">
<form class="inline" method="post" action="/web/actions" data-ajax>
  <input type="hidden" name="intent" value="task.assign"><input type="hidden" name="task" value="${n}">
  <label for="assign-${n}">Agent</label>
  <select id="assign-${n}" name="assignee">${o.agents.map((a) => html`<option value="${a.name}"${a.name === t.assignedTo ? html` selected` : ""}>${a.name}</option>`)}</select>
  <button type="submit" class="quiet">Assign</button>
</form>
<form class="inline" method="post" action="/web/actions" data-ajax>
  <input type="hidden" name="intent" value="task.update"><input type="hidden" name="task" value="${n}">
  <label for="prio-${n}">Priority</label>
  <select id="prio-${n}" name="priority">${(["low", "medium", "high", "critical"] as const).map((p) => html`<option value="${p}"${p === prio ? html` selected` : ""}>${p}</option>`)}</select>
  <button type="submit" class="quiet">Set priority</button>
</form>
<form class="inline" method="post" action="/web/actions" data-ajax>
  <input type="hidden" name="intent" value="task.update"><input type="hidden" name="task" value="${n}">
  <label for="due-${n}">Due</label>
  <input id="due-${n}" name="due" type="date" required value="${t.dueAt ? localDate(t.dueAt, o.timeZone) : ""}">
  <button type="submit" class="quiet">Set due date</button>
</form>
</div>`
    : ""
}
</section>
<section id="task-timeline" aria-labelledby="timeline-h">
<h2 id="timeline-h">Timeline</h2>
<ol class="timeline">
${entries.map(
  (e) =>
    html`<li class="tl-${e.kind}"><p><strong>${e.who}</strong> ${e.what} · ${timeAgo(e.at, o.now)} <span class="muted">${when(e.at, o.now, o.timeZone)}</span></p>${e.text ? html`<p class="tl-text">${e.text}</p>` : ""}</li>`,
)}
</ol>
</section>`;
}
