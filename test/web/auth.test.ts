import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLoginLink, listSessions, revokeSession } from "../../src/web/index.ts";
import { startWebHub, type WebHub } from "./harness.ts";

let hub: WebHub;
beforeAll(async () => {
  hub = await startWebHub();
});
afterAll(async () => {
  await hub?.close();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields);

/** Signs in over HTTP with a fresh code; returns the Cookie header value. */
async function signIn(): Promise<string> {
  const link = await hub.loginLink();
  const r = await fetch(`${hub.url}/web/login`, {
    method: "POST",
    redirect: "manual",
    headers: { origin: hub.url },
    body: form({ code: link.code.toLowerCase(), next: "/web/tasks" }),
  });
  expect(r.status).toBe(303);
  expect(r.headers.get("location")).toBe("/web/tasks");
  const set = r.headers.get("set-cookie") ?? "";
  expect(set).toMatch(/^aoh_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=2592000; HttpOnly; SameSite=Strict$/);
  return set.split(";")[0] ?? "";
}

const post = (
  path: string,
  cookie: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
) =>
  fetch(`${hub.url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, origin: hub.url, accept: "application/json", ...headers },
    body: form(body),
  });

describe("without a session", () => {
  it("pages redirect to sign-in; fragments, events and actions are 401", async () => {
    for (const path of [
      "/",
      "/web/tasks?status=all",
      "/web/tasks/1",
      "/web/agents",
      "/web/costs",
      "/web/sessions",
    ]) {
      const r = await fetch(`${hub.url}${path}`, { redirect: "manual" });
      expect(r.status, path).toBe(303);
      expect(r.headers.get("location"), path).toBe(`/web/login?next=${encodeURIComponent(path)}`);
    }
    for (const path of ["/web/view/now", "/web/view/tasks", "/web/events"]) {
      const r = await fetch(`${hub.url}${path}`);
      expect(r.status, path).toBe(401);
      expect(await r.text()).not.toContain("Validate AgentOps");
    }
    const a = await post("/web/actions", "aoh_session=not-a-real-session-token-at-all", {
      intent: "task.complete",
      task: "1",
    });
    expect(a.status).toBe(401);
    expect((await hub.api("GET", "/v1/tasks/1")).body.task.status).toBe("pending");
  });

  it("the sign-in page is public, and the assets too", async () => {
    const r = await fetch(`${hub.url}/web/login`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-security-policy")).toContain("script-src 'self'");
    const page = await r.text();
    const css = /href="(\/web\/static\/app\.css\?v=[0-9a-f]+)"/.exec(page)?.[1];
    expect(css).toBeTruthy();
    expect((await fetch(`${hub.url}${css}`)).status).toBe(200);
  });
});

describe("codes", () => {
  it("are stored hashed, work once, and not after they expire", async () => {
    const link = await hub.loginLink();
    expect(link.url).toBe(`${hub.url}/web/login?code=${link.code}`);
    expect(link.expiresAt.getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(link.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 5_000);
    const stored = await hub.db.sql.query<{ code_hash: string }>("SELECT code_hash FROM web_login_codes");
    expect(JSON.stringify(stored.rows)).not.toContain(link.code.replace("-", ""));

    const login = (code: string) =>
      fetch(`${hub.url}/web/login`, {
        method: "POST",
        redirect: "manual",
        headers: { origin: hub.url },
        body: form({ code }),
      });
    expect((await login(link.code)).status).toBe(303);
    const again = await login(link.code);
    expect(again.status).toBe(401);
    expect(again.headers.get("set-cookie")).toBeNull();
    expect(await again.text()).toContain("wrong, already used, or expired");

    const old = await hub.loginLink();
    await hub.db.sql.query(
      "UPDATE web_login_codes SET expires_at = now() - interval '1 second' WHERE used_at IS NULL",
    );
    expect((await login(old.code)).status).toBe(401);
    expect((await login("AAAAA-BBBBB")).status).toBe(401);
  });

  it("sign-in attempts are rate limited per address", async () => {
    const strict = await startWebHub({ options: { loginAttemptsPerAddress: 3 } });
    try {
      const attempt = () =>
        fetch(`${strict.url}/web/login`, {
          method: "POST",
          headers: { origin: strict.url },
          body: form({ code: "WRONG-GUESS" }),
        });
      for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
      const limited = await attempt();
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBeTruthy();
      // Even a right code waits: a guesser learns nothing while limited.
      const link = await strict.loginLink();
      const r = await fetch(`${strict.url}/web/login`, {
        method: "POST",
        headers: { origin: strict.url },
        body: form({ code: link.code }),
      });
      expect(r.status).toBe(429);
    } finally {
      await strict.close();
    }
  });

  it("an https public URL gives a Secure __Host- cookie", async () => {
    const secure = await startWebHub({ publicUrl: "https://hub.example.com" });
    try {
      const link = await createLoginLink(secure.db.sql, { publicUrl: "https://hub.example.com/" });
      expect(link.url).toBe(`https://hub.example.com/web/login?code=${link.code}`);
      const r = await fetch(`${secure.url}/web/login`, {
        method: "POST",
        redirect: "manual",
        headers: { origin: "https://hub.example.com" },
        body: form({ code: link.code }),
      });
      expect(r.status).toBe(303);
      expect(r.headers.get("set-cookie")).toMatch(
        /^__Host-aoh_session=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure$/,
      );
    } finally {
      await secure.close();
    }
  });
});

describe("with a session", () => {
  it("refuses cross-site and origin-less actions (CSRF)", async () => {
    const cookie = await signIn();
    const cross = await post(
      "/web/actions",
      cookie,
      { intent: "task.complete", task: "1" },
      { "sec-fetch-site": "cross-site" },
    );
    expect(cross.status).toBe(403);
    const evil = await post(
      "/web/actions",
      cookie,
      { intent: "task.complete", task: "1" },
      { origin: "https://evil.example" },
    );
    expect(evil.status).toBe(403);
    const none = await fetch(`${hub.url}/web/actions`, {
      method: "POST",
      headers: { cookie, accept: "application/json" },
      body: form({ intent: "task.complete", task: "1" }),
    });
    expect(none.status).toBe(403);
    expect((await hub.api("GET", "/v1/tasks/1")).body.task.status).toBe("pending");
  });

  it("actions go through the dispatcher as the web channel; a double submit acts once", async () => {
    const cookie = await signIn();
    const created = await hub.api("POST", "/v1/tasks", { title: "Book the venue" });
    const n = String(created.body.task.number);
    const ask = await post("/web/actions", cookie, {
      intent: "task.cancel",
      task: n,
      nonce: "nonce-cancel-1",
    });
    expect(await ask.json()).toMatchObject({
      awaitingConfirmation: true,
      buttons: [
        [
          { label: "Yes", data: "c:yes" },
          { label: "No", data: "c:no" },
        ],
      ],
    });
    expect((await hub.api("GET", `/v1/tasks/${n}`)).body.task.status).toBe("pending");
    const yes = await post("/web/actions", cookie, { button: "c:yes", nonce: "nonce-yes-0001" });
    expect((await yes.json()).text).toMatch(/cancelled/i);
    const twice = await post("/web/actions", cookie, { button: "c:yes", nonce: "nonce-yes-0001" });
    expect(await twice.json()).toMatchObject({ silent: true });
    const cancel = await hub.db.sql.query<{ payload: { actor: unknown } }>(
      "SELECT payload FROM events WHERE event_type = 'task.cancelled' AND entity_id = $1",
      [created.body.task.id],
    );
    expect(cancel.rows.length).toBe(1);
    expect(cancel.rows[0]?.payload.actor).toMatchObject({
      kind: "person",
      name: "web:owner",
      channel: "web",
    });

    const bad = await post("/web/actions", cookie, { intent: "project.cancel", task: n });
    expect(bad.status).toBe(400);
  });

  it("escapes everything it shows", async () => {
    const cookie = await signIn();
    await hub.api("POST", "/v1/tasks", { title: `<script>alert("x")</script> & <b>bold</b>` });
    const r = await fetch(`${hub.url}/web/view/tasks?q=script`, { headers: { cookie } });
    const body = await r.text();
    expect(body).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;");
    expect(body).not.toContain("<script>alert");
    const q = await fetch(`${hub.url}/web/view/tasks?q=${encodeURIComponent(`"><img src=x>`)}`, {
      headers: { cookie },
    });
    expect(await q.text()).toContain('value="&quot;&gt;&lt;img src=x&gt;"');
  });

  it("streams events and resumes after Last-Event-ID", async () => {
    const cookie = await signIn();
    const first = await hub.api("POST", "/v1/tasks", { title: "stream one" });
    const second = await hub.api("POST", "/v1/tasks", { title: "stream two" });
    const ids = await hub.db.sql.query<{ id: string; n: number }>(
      `SELECT id::text, (payload->>'number')::int AS n FROM events WHERE event_type = 'task.created' AND (payload->>'number')::int = ANY($1) ORDER BY id`,
      [[first.body.task.number, second.body.task.number]],
    );
    const [a, b] = ids.rows;
    // Published (the relay runs): replay only serves published events.
    await hub.relay.drain(5_000);
    const ac = new AbortController();
    const res = await fetch(`${hub.url}/web/events`, {
      headers: { cookie, "last-event-id": a?.id ?? "" },
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    let text = "";
    while (!text.includes(`id: ${b?.id}\n`)) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    ac.abort();
    expect(text).toContain(`id: ${b?.id}\ndata: {"type":"task.created","task":${b?.n}}`);
    expect(text).not.toContain(`id: ${a?.id}\n`);
  });

  it("sessions are listed and revoked; a revoked cookie gets nothing", async () => {
    const cookie = await signIn();
    const sessions = await listSessions(hub.db.sql);
    expect(sessions.length).toBeGreaterThan(0);
    const page = await fetch(`${hub.url}/web/view/sessions`, { headers: { cookie } });
    const html = await page.text();
    const mine = sessions.find((s) => html.includes(`id="sess-${s.id}"`) && html.includes("this browser"));
    expect(mine).toBeTruthy();
    const stored = await hub.db.sql.query("SELECT token_hash FROM web_sessions");
    expect(JSON.stringify(stored.rows)).not.toContain(cookie.split("=")[1]);

    // This browser's session, revoked from elsewhere (the CLI, another browser).
    const ownId =
      (await hub.db.sql.query<{ id: string }>("SELECT id FROM web_sessions ORDER BY created_at DESC LIMIT 1"))
        .rows[0]?.id ?? "";
    await revokeSession(hub.db.sql, ownId);
    expect((await fetch(`${hub.url}/web/view/now`, { headers: { cookie } })).status).toBe(401);
    expect((await listSessions(hub.db.sql)).some((s) => s.id === ownId)).toBe(false);

    // And from the page: revoking another browser's session.
    const other = await signIn();
    const mineNow = await signIn();
    const otherId =
      (
        await hub.db.sql.query<{ id: string }>(
          "SELECT id FROM web_sessions ORDER BY created_at DESC OFFSET 1 LIMIT 1",
        )
      ).rows[0]?.id ?? "";
    const r = await post(`/web/sessions/${otherId}/revoke`, mineNow, {});
    expect(r.status).toBe(200);
    expect((await fetch(`${hub.url}/web/view/now`, { headers: { cookie: other } })).status).toBe(401);
    expect((await fetch(`${hub.url}/web/view/now`, { headers: { cookie: mineNow } })).status).toBe(200);
  });
});
