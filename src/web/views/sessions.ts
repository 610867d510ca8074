import { timeAgo } from "../format.ts";
import { type Html, html } from "../html.ts";
import type { WebSession } from "../sessions.ts";

/** Signed-in browsers, each revocable; revoking this one signs out here. */
export function sessionsView(o: { sessions: WebSession[]; currentId: string; now: Date }): Html {
  return html`<div id="sessions-head" class="view-head"><h1>Sessions</h1>
<p class="lede">Browsers signed in to this dashboard. A new sign-in link comes from <code>agentops login-link</code>.</p></div>
<section id="sessions" aria-label="Sessions">
<ul class="rows">
${o.sessions.map(
  (s) => html`<li class="session-row" id="sess-${s.id}">
<div><strong>${s.label}</strong>${s.id === o.currentId ? html` <span class="pill">this browser</span>` : ""}
<p class="meta"><span>signed in ${timeAgo(s.createdAt, o.now)}</span><span>last used ${timeAgo(s.lastSeenAt, o.now)}</span></p></div>
<form method="post" action="/web/sessions/${s.id}/revoke"><button type="submit" class="danger" aria-label="Revoke: ${s.label}, signed in ${s.createdAt.toISOString()}">${s.id === o.currentId ? "Sign out" : "Revoke"}</button></form>
</li>`,
)}
</ul>
</section>`;
}
