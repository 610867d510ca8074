import { priorityName } from "../core/index.ts";
import type { TaskStatus } from "../core/types.ts";
import { daysFrom, sayDay, sayTime } from "../cos/time.ts";
import { type Html, html } from "./html.ts";

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(date: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - date.getTime()) / 1000));
  if (s < 60) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 36) return `${h} h ago`;
  const d = Math.round(h / 24);
  return `${d} day${d === 1 ? "" : "s"} ago`;
}

/** A <time> with the exact instant for tooltips and machines, and words for people. */
export function timeAgo(date: Date | null, now: Date): Html {
  if (!date) return html`<span class="muted">never</span>`;
  return html`<time datetime="${date.toISOString()}" title="${date.toISOString()}">${ago(date, now)}</time>`;
}

/** "today 2:30 pm", "tomorrow 9 am", "Friday the 27th". */
export function when(date: Date, now: Date, timeZone: string): string {
  const d = daysFrom(now, date, timeZone);
  const day = sayDay(date, now, timeZone);
  return Math.abs(d) <= 1 ? `${day} ${sayTime(date, timeZone)}` : day;
}

/** Due dates in words, and whether it is late (late ones get the warning colour). */
export function dueLabel(due: Date, now: Date, timeZone: string): { text: string; late: boolean } {
  const late = due.getTime() < now.getTime();
  const d = daysFrom(now, due, timeZone);
  if (late)
    return { text: d === 0 ? "due today, late" : `overdue since ${sayDay(due, now, timeZone)}`, late };
  return { text: `due ${sayDay(due, now, timeZone)}`, late };
}

const STATUS_LABEL: Record<TaskStatus, string> = {
  pending: "waiting",
  in_progress: "in progress",
  blocked: "blocked",
  completed: "done",
  failed: "failed",
  cancelled: "cancelled",
};

export const statusLabel = (s: TaskStatus) => STATUS_LABEL[s];

/** Status as a pill: colour plus a word, never colour alone. */
export const statusPill = (s: TaskStatus) => html`<span class="pill st-${s}">${statusLabel(s)}</span>`;

export const priorityPill = (p: number) => {
  const name = priorityName(p);
  return name === "medium" ? html`` : html`<span class="pill pr-${name}">${name}</span>`;
};

export const usd = (n: number) => (n >= 100 ? `$${n.toFixed(0)}` : `$${n.toFixed(2)}`);
