import type { Task } from "../../core/types.ts";
import { actionButton, taskLink, taskMeta } from "../components.ts";
import { ago, timeAgo } from "../format.ts";
import { type Html, html } from "../html.ts";
import type { NowData, OpenQuestion } from "../now-data.ts";

interface Ctx {
  now: Date;
  timeZone: string;
}

function questionCard(q: OpenQuestion, c: Ctx): Html {
  const n = q.task.number;
  return html`<article class="card ask" id="q-${n}">
<h3>${taskLink(q.task)}</h3>
${taskMeta(q.task, c.now, c.timeZone)}
<figure class="question">
  <blockquote>${q.question}</blockquote>
  <figcaption>${q.askedBy ?? "An agent"} asked ${ago(q.askedAt, c.now)}</figcaption>
</figure>
<form class="answer" method="post" action="/web/actions" data-ajax>
  <input type="hidden" name="intent" value="task.comment"><input type="hidden" name="task" value="${n}">
  <label for="answer-${n}">Your answer</label>
  <textarea id="answer-${n}" name="message" rows="2" required maxlength="4000"></textarea>
  <div class="row"><button type="submit" class="primary" aria-label="Send answer: task ${n}">Send answer</button></div>
</form>
<div class="actions">${actionButton("Cancel…", "task.cancel", n, { variant: "danger" })}</div>
</article>`;
}

function stuckCard(t: Task, c: Ctx): Html {
  const failed = t.status === "failed";
  const why = failed ? t.error : t.blockedReason;
  return html`<article class="card ${failed ? "bad" : "warn"}" id="s-${t.number}">
<h3>${taskLink(t)}</h3>
${taskMeta(t, c.now, c.timeZone)}
${why ? html`<p class="why"><span class="visually-hidden">${failed ? "Error" : "Reason"}: </span>${why}</p>` : ""}
<div class="actions">
  ${actionButton(failed ? "Retry" : "Reopen", "task.reopen", t.number, { variant: "primary" })}
  ${failed ? "" : actionButton("Done", "task.complete", t.number)}
  ${actionButton("Cancel…", "task.cancel", t.number, { variant: "danger" })}
</div>
</article>`;
}

function dueCard(t: Task, c: Ctx): Html {
  return html`<article class="card" id="d-${t.number}">
<h3>${taskLink(t)}</h3>
${taskMeta(t, c.now, c.timeZone)}
<div class="actions">${actionButton("Done", "task.complete", t.number, { variant: "primary" })}</div>
</article>`;
}

function section(id: string, title: string, count: number, body: Html, extra: Html | string = ""): Html {
  return html`<section id="${id}" aria-labelledby="${id}-h">
<div class="section-head"><h2 id="${id}-h">${title} <span class="count">${count}</span></h2>${extra}</div>
${body}
</section>`;
}

function summary(d: NowData): string {
  const parts: string[] = [];
  const q = d.questions.length;
  if (q) parts.push(`${q} question${q === 1 ? "" : "s"}`);
  const failed = d.stuck.filter((t) => t.status === "failed").length;
  const blocked = d.stuck.length - failed;
  if (blocked) parts.push(`${blocked} blocked task${blocked === 1 ? "" : "s"}`);
  if (failed) parts.push(`${failed} failed task${failed === 1 ? "" : "s"}`);
  if (parts.length === 0) return "Nothing is waiting on you.";
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  return `${list} need${parts.length === 1 && (q === 1 || blocked + failed === 1) ? "s" : ""} you.`;
}

/**
 * The first screen: only what needs the person, each with its one-click actions. Empty
 * sections are left out, so a calm day is one calm sentence.
 */
export function nowView(d: NowData, c: Ctx): Html {
  const sections: Html[] = [];
  if (d.questions.length) {
    sections.push(
      section(
        "questions",
        "Questions for you",
        d.questions.length,
        html`<div class="cards">${d.questions.map((q) => questionCard(q, c))}</div>`,
      ),
    );
  }
  if (d.stuck.length) {
    sections.push(
      section(
        "stuck",
        "Blocked or failed",
        d.stuck.length,
        html`<div class="cards">${d.stuck.map((t) => stuckCard(t, c))}</div>`,
      ),
    );
  }
  if (d.due.length) {
    sections.push(
      section(
        "due",
        "Due soon",
        d.due.length,
        html`<div class="cards">${d.due.map((t) => dueCard(t, c))}</div>`,
      ),
    );
  }
  if (d.finished.length) {
    const gotIt = html`<form method="post" action="/web/seen" data-ajax><button type="submit" class="quiet">Got it</button></form>`;
    sections.push(
      section(
        "finished",
        "Finished since your last visit",
        d.finished.length,
        html`<ul class="done-list">${d.finished.map(
          (t) =>
            html`<li>${taskLink(t)} <span class="meta-inline">${t.claimedBy ?? t.assignedTo ?? ""} ${t.completedAt ? timeAgo(t.completedAt, c.now) : ""}</span></li>`,
        )}</ul>`,
        gotIt,
      ),
    );
  }
  const calm = d.questions.length + d.stuck.length + d.due.length + d.finished.length === 0;
  return html`<div id="now-head" class="view-head">
<h1>Now</h1>
<p class="lede">${calm ? "All clear. Nothing needs you right now." : summary(d)}</p>
</div>
${sections}`;
}
