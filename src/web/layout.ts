import { type Html, html } from "./html.ts";

export type ViewName = "now" | "projects" | "tasks" | "agents" | "costs" | "sessions";

const NAV: Array<{ view: ViewName; href: string; label: string }> = [
  { view: "now", href: "/", label: "Now" },
  { view: "projects", href: "/web/projects", label: "Projects" },
  { view: "tasks", href: "/web/tasks", label: "Tasks" },
  { view: "agents", href: "/web/agents", label: "Agents" },
  { view: "costs", href: "/web/costs", label: "Costs" },
  { view: "sessions", href: "/web/sessions", label: "Sessions" },
];

export interface Assets {
  css: string;
  js: string;
}

export interface PageOptions {
  title: string;
  view: ViewName | undefined;
  /** where the client re-fetches the main content from when events arrive */
  liveSrc?: string;
  /** the newest event id when the page was rendered: the stream resumes after it */
  lastEventId?: number;
  /** a number shown next to "Now": what waits for the person */
  needsYou?: number;
  assets: Assets;
  body: Html;
}

/** The page shell: skip link, navigation, the view, and the Chief of Staff dock. */
export function page(o: PageOptions): Html {
  const badge = o.needsYou
    ? html` <span class="badge" aria-label="${o.needsYou} waiting">${o.needsYou}</span>`
    : "";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${o.title} · AgentOps</title>
<link rel="stylesheet" href="${o.assets.css}">
<script src="${o.assets.js}" defer></script>
</head>
<body data-last-event="${o.lastEventId ?? ""}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <nav aria-label="Views">
    <ul>
      ${NAV.map(
        (n) =>
          html`<li><a href="${n.href}"${n.view === o.view ? html` aria-current="page"` : ""}>${n.label}${n.view === "now" ? badge : ""}</a></li>`,
      )}
    </ul>
  </nav>
  <span id="live" class="live" data-state="off" title="Live updates"><span class="dot" aria-hidden="true"></span><span class="visually-hidden">Live updates: </span><span class="live-word">offline</span></span>
</header>
<div id="signed-out" class="banner" hidden role="alert">Your session has ended. <a href="/web/login">Sign in again</a></div>
<main id="main" tabindex="-1"${o.liveSrc ? html` data-src="${o.liveSrc}"` : ""}>
${o.body}
</main>
<aside class="dock" aria-label="Chief of Staff">
  <ol id="chat-log" class="chat-log" aria-live="polite"></ol>
  <form id="chat" class="chat" method="post" action="/web/actions" data-ajax>
    <label for="chat-text" class="visually-hidden">Message to the Chief of Staff</label>
    <input id="chat-text" name="text" autocomplete="off" maxlength="2000" required placeholder="Tell the Chief of Staff…">
    <button type="submit">Send</button>
  </form>
</aside>
</body>
</html>`;
}

/** The sign-in page and other pages shown without a session: no navigation, no dock. */
export function barePage(o: { title: string; assets: Assets; body: Html; head?: Html }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
${o.head ?? ""}
<title>${o.title} · AgentOps</title>
<link rel="stylesheet" href="${o.assets.css}">
</head>
<body class="bare">
<main id="main" class="narrow">
${o.body}
</main>
</body>
</html>`;
}
