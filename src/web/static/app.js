// The dashboard's one script. Without it every page still works (forms post, links link);
// with it the page follows the hub's events, sends actions in place, and keeps a short chat log.
(() => {
  const main = document.getElementById("main");
  const live = document.getElementById("live");
  const log = document.getElementById("chat-log");
  const banner = document.getElementById("signed-out");
  if (!main || !live || !log) return;

  /** section id → the server HTML it was last rendered from (not the live DOM, which the script touches) */
  let rendered = new Map();
  for (const el of main.children) if (el.id) rendered.set(el.id, el.outerHTML);

  const nonce = () => {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  };

  let ended = false;
  function signedOut() {
    ended = true;
    if (es) es.close();
    setLive(false);
    if (banner) banner.hidden = false;
  }

  function setLive(on) {
    live.dataset.state = on ? "on" : "off";
    const word = live.querySelector(".live-word");
    if (word) word.textContent = on ? "live" : "offline";
  }

  // ---- re-rendering in place: typed text, changed fields and focus survive

  function keep(root) {
    const values = [];
    for (const el of root.querySelectorAll("textarea[id], input[id]:not([type=hidden])")) {
      if (el.value !== el.defaultValue) values.push([el.id, el.value]);
    }
    for (const el of root.querySelectorAll("select[id]")) {
      const changed = Array.from(el.options).some((o) => o.selected !== o.defaultSelected);
      if (changed) values.push([el.id, el.value]);
    }
    const a = document.activeElement;
    const focus =
      a && a !== document.body && root.contains(a)
        ? { id: a.id, start: a.selectionStart, end: a.selectionEnd }
        : undefined;
    return { values, focus };
  }

  function restore(k) {
    for (const [id, value] of k.values) {
      const el = document.getElementById(id);
      if (el) el.value = value;
    }
    if (!k.focus) return;
    const el = k.focus.id ? document.getElementById(k.focus.id) : null;
    if (el) {
      el.focus({ preventScroll: true });
      if (typeof k.focus.start === "number" && "setSelectionRange" in el) {
        try {
          el.setSelectionRange(k.focus.start, k.focus.end);
        } catch {
          // not a text field
        }
      }
    } else {
      // What had focus is gone (the task left this list): keep the keyboard on the page.
      main.focus({ preventScroll: true });
    }
  }

  let inflight = false;
  let again = false;
  async function refresh() {
    const src = main.dataset.src;
    if (!src || ended) return;
    if (inflight) {
      again = true;
      return;
    }
    inflight = true;
    try {
      const res = await fetch(src, { headers: { accept: "text/html" }, cache: "no-store" });
      if (res.status === 401) return signedOut();
      if (!res.ok) return;
      const title = res.headers.get("x-view-title");
      if (title) document.title = `${decodeURIComponent(title)} · AgentOps`;
      const tpl = document.createElement("template");
      tpl.innerHTML = await res.text();
      const fresh = Array.from(tpl.content.children);
      const next = new Map(fresh.map((el) => [el.id, el.outerHTML]));
      const current = Array.from(main.children);
      const sameShape =
        fresh.length === current.length && fresh.every((el, i) => el.id && el.id === current[i].id);
      if (!sameShape) {
        const k = keep(main);
        main.replaceChildren(...fresh);
        restore(k);
      } else {
        fresh.forEach((el, i) => {
          if (rendered.get(el.id) === next.get(el.id)) return;
          const k = keep(current[i]);
          current[i].replaceWith(el);
          restore(k);
        });
      }
      rendered = next;
      main.dataset.version = String(Number(main.dataset.version || "0") + 1);
    } catch {
      // offline for a moment: the next event or reconnect refreshes again
    } finally {
      inflight = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  // A burst of events (a batch completed) becomes one re-fetch, 100 ms after its first event;
  // while events keep coming, a re-fetch a second at most. (Waiting for a quiet moment instead
  // froze the page for as long as busy agents kept writing.)
  let timer;
  let lastRefresh = 0;
  // soon: after the person's own action, whatever the last re-fetch was.
  const schedule = (soon = false) => {
    if (timer !== undefined) {
      if (!soon) return;
      clearTimeout(timer);
    }
    const wait = soon ? 100 : Math.max(100, lastRefresh + 1000 - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      lastRefresh = Date.now();
      refresh();
    }, wait);
  };

  // ---- the event stream

  let es;
  let lastId = document.body.dataset.lastEvent || "";
  let retry;
  function connect() {
    if (ended) return;
    es = new EventSource(`/web/events${lastId ? `?since=${encodeURIComponent(lastId)}` : ""}`);
    es.onopen = () => {
      setLive(true);
      // Whatever happened while (re)connecting is on screen after one re-fetch.
      schedule();
    };
    es.onmessage = (ev) => {
      if (ev.lastEventId) lastId = ev.lastEventId;
      schedule();
    };
    es.addEventListener("signed-out", () => signedOut());
    es.onerror = () => {
      setLive(false);
      if (es.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      es.close();
      clearTimeout(retry);
      retry = setTimeout(check, 3000);
    };
  }
  async function check() {
    try {
      const res = await fetch(main.dataset.src || "/web/view/now", { headers: { accept: "text/html" } });
      if (res.status === 401) return signedOut();
    } catch {
      // still offline: try the stream again anyway
    }
    connect();
  }
  connect();

  // ---- the Chief of Staff dock

  function buttonForm(b, primary) {
    const form = document.createElement("form");
    form.className = "act";
    form.method = "post";
    form.action = "/web/actions";
    form.setAttribute("data-ajax", "");
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "button";
    input.value = b.data;
    const button = document.createElement("button");
    button.type = "submit";
    button.className = primary ? "primary" : "quiet";
    button.textContent = b.label;
    form.append(input, button);
    return form;
  }

  function say(said, r) {
    if (said) {
      const li = document.createElement("li");
      li.className = "you";
      li.textContent = said;
      log.append(li);
    }
    if (r.text && !r.silent) {
      const li = document.createElement("li");
      li.className = "cos";
      const p = document.createElement("p");
      p.textContent = r.text;
      li.append(p);
      const buttons = (r.buttons || []).flat();
      if (buttons.length) {
        const row = document.createElement("div");
        row.className = "actions";
        buttons.forEach((b, i) => {
          row.append(buttonForm(b, i === 0 && r.awaitingConfirmation));
        });
        li.append(row);
      }
      log.append(li);
      if (r.awaitingConfirmation) li.querySelector("button")?.focus();
    }
    while (log.children.length > 12) log.firstElementChild.remove();
    log.scrollTop = log.scrollHeight;
  }

  document.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-ajax")) return;
    ev.preventDefault();
    if (form.dataset.busy) return;
    const data = new URLSearchParams(new FormData(form));
    data.set("nonce", nonce());
    const said = form.id === "chat" ? data.get("text") : "";
    const buttons = Array.from(form.querySelectorAll("button"));
    form.dataset.busy = "1";
    for (const b of buttons) b.disabled = true;
    try {
      const res = await fetch(form.action, {
        method: "POST",
        body: data,
        headers: { accept: "application/json" },
      });
      if (res.status === 401) return signedOut();
      const body = await res.json().catch(() => ({}));
      if (!res.ok) {
        say(said, { text: body?.error?.message || "That did not work. Try again.", buttons: [] });
        return;
      }
      // A reply's buttons answer once: a second "Yes" would find nothing to confirm.
      if (log.contains(form)) form.closest(".actions")?.remove();
      for (const el of form.querySelectorAll("textarea, input[name=text]")) el.value = "";
      if ("text" in body) say(said, body);
      schedule(true);
    } catch {
      say(said, { text: "The hub did not answer. Check the connection and try again.", buttons: [] });
    } finally {
      delete form.dataset.busy;
      for (const b of buttons) b.disabled = false;
    }
  });
})();
