import type { Task } from "../core/types.ts";
import { dueLabel, priorityPill, statusPill } from "./format.ts";
import { type Html, html } from "./html.ts";

export type Variant = "primary" | "quiet" | "danger";

/**
 * One button that sends one preset intent through the dispatcher. A real form, so it works
 * without the script too; the script sends it in place and shows the reply in the dock.
 */
export function actionButton(
  label: string,
  intent: string,
  taskNumber: number,
  opts: { variant?: Variant; what?: string } = {},
): Html {
  return html`<form class="act" method="post" action="/web/actions" data-ajax>
<input type="hidden" name="intent" value="${intent}"><input type="hidden" name="task" value="${taskNumber}">
<button type="submit" class="${opts.variant ?? "quiet"}" aria-label="${label}: task ${taskNumber}${opts.what ? ` ${opts.what}` : ""}">${label}</button>
</form>`;
}

/** A button a reply carries (Yes / No / Done...): its data decodes to a preset intent. */
export function replyButton(label: string, data: string): Html {
  return html`<form class="act" method="post" action="/web/actions" data-ajax>
<input type="hidden" name="button" value="${data}"><button type="submit" class="quiet">${label}</button>
</form>`;
}

export const taskLink = (t: Pick<Task, "number" | "title">) =>
  html`<a class="task-link" href="/web/tasks/${t.number}"><span class="num">#${t.number}</span> ${t.title}</a>`;

/** The small facts under a title: project, who, due, priority. Only what is set. */
export function taskMeta(t: Task, now: Date, timeZone: string, opts: { due?: boolean } = {}): Html {
  const who = t.claimedBy ?? t.assignedTo;
  const due = t.dueAt && opts.due !== false ? dueLabel(t.dueAt, now, timeZone) : undefined;
  return html`<p class="meta">${statusPill(t.status)}${priorityPill(t.priority)}${
    t.projectName ? html`<span>${t.projectName}</span>` : ""
  }${who ? html`<span>${who}</span>` : ""}${due ? html`<span class="${due.late ? "late" : ""}">${due.text}</span>` : ""}</p>`;
}

export const emptyNote = (text: string) => html`<p class="empty">${text}</p>`;
