import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HubError } from "../errors.ts";
import { httpStatusFor, sendError, toHubError } from "../http/errors.ts";
import { formToUtterance, replyJson } from "./actions.ts";
import { loadAssets } from "./assets.ts";
import { replyButton } from "./components.ts";
import type { WebDeps } from "./deps.ts";
import { streamWebEvents } from "./event-stream.ts";
import { createSessionGuard, type RouteKind } from "./guard.ts";
import { type Html, html } from "./html.ts";
import { barePage, page } from "./layout.ts";
import { markSeen, redeemLoginCode, revokeSession, SESSION_TTL_MS } from "./sessions.ts";
import { loginView } from "./views/login.ts";
import { VIEWS } from "./views.ts";

const FORM_LIMIT = 64 * 1024;
const LOGIN_WINDOW_MS = 15 * 60 * 1000;
const LOGIN_PER_ADDRESS = 10;

// No inline script or style anywhere: the CSP can forbid both.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

declare module "fastify" {
  interface FastifyContextConfig {
    web?: RouteKind;
  }
}

/** A same-site path to go to after sign-in; anything else is the first screen. */
export function safeNext(v: unknown): string {
  return typeof v === "string" && /^\/(?![/\\])[\x21-\x7e]*$/.test(v) && v.length < 500 ? v : "/";
}

const wantsJson = (r: FastifyRequest) => (r.headers.accept ?? "").includes("application/json");

/**
 * The dashboard on the hub's own fastify app: `/` (Now), the views under /web, their HTML
 * fragments under /web/view (what the page re-fetches live), /web/events (SSE), /web/actions
 * (everything a button or the chat box does, through the dispatcher), and sign-in.
 */
export async function registerWebRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const { sql, config, logger } = deps;
  const clock = deps.options?.now ?? (() => new Date());
  const sessionTtlMs = deps.options?.sessionTtlMs ?? SESSION_TTL_MS;
  const perAddress = deps.options?.loginAttemptsPerAddress ?? LOGIN_PER_ADDRESS;
  const guard = createSessionGuard(sql, config);
  const assets = loadAssets();
  const closing = new AbortController();
  const log = logger.child({ component: "web" });

  // Open event streams would hold app.close() until they end.
  app.addHook("preClose", async () => closing.abort());

  await app.register(async (web) => {
    web.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string", bodyLimit: FORM_LIMIT },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );

    web.addHook("onRequest", async (request, reply) => {
      const kind: RouteKind = request.routeOptions.config?.web ?? "data";
      if (request.method !== "GET" && request.method !== "HEAD") guard.checkSameOrigin(request);
      if (kind === "public") return;
      const session = await guard.lookup(request);
      if (!session) {
        if (kind === "page") {
          return reply.redirect(`/web/login?next=${encodeURIComponent(safeNext(request.url))}`, 303);
        }
        throw new HubError("unauthorized", "Sign in first: this needs a dashboard session");
      }
      guard.remember(request, session);
    });

    web.addHook("onSend", async (request, reply) => {
      reply.header("content-security-policy", CSP);
      reply.header("x-content-type-options", "nosniff");
      reply.header("x-frame-options", "DENY");
      reply.header("referrer-policy", "same-origin");
      if (!request.url.startsWith("/web/static/")) reply.header("cache-control", "no-store");
    });

    web.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
      const e = toHubError(err, FORM_LIMIT);
      if (httpStatusFor(e.code) >= 500) log.error({ err, url: request.url }, "dashboard request failed");
      const kind = request.routeOptions.config?.web;
      if (kind === "page" && request.method === "GET") {
        const title = e.code === "not_found" ? "Not found" : "Something went wrong";
        return reply
          .code(httpStatusFor(e.code))
          .type("text/html; charset=utf-8")
          .send(
            barePage({
              title,
              assets: assets.urls,
              body: html`<h1>${title}</h1><p>${e.code === "internal" ? "The hub could not show this page. Try again in a moment." : e.message}</p><p><a href="/">Back to Now</a></p>`,
            }).value,
          );
      }
      return sendError(reply, e);
    });

    const sendHtml = (reply: FastifyReply, body: Html, status = 200) =>
      reply.code(status).type("text/html; charset=utf-8").send(body.value);

    const lastEventId = async () => {
      const r = await sql.query<{ id: string | null }>("SELECT nullif(agentops_last_seq(), 0)::text AS id");
      return Number(r.rows[0]?.id ?? 0);
    };

    // ---- static files
    web.get<{ Params: { name: string } }>(
      "/web/static/:name",
      { config: { web: "public" }, schema: { hide: true } },
      async (request, reply) => {
        const f = assets.files.get(request.params.name);
        if (!f) throw new HubError("not_found", "No such file");
        reply.header("cache-control", "public, max-age=31536000, immutable");
        return reply.type(f.type).send(f.body);
      },
    );

    // ---- views: a full page, and the same content as a fragment for live updates
    for (const v of VIEWS) {
      web.get(v.path, { config: { web: "page" }, schema: { hide: true } }, async (request, reply) => {
        const ctx = { sql, config, now: clock(), session: guard.sessionOf(request) };
        const [r, last] = await Promise.all([v.render(ctx, request), lastEventId()]);
        return sendHtml(
          reply,
          page({
            title: r.title,
            view: v.name,
            liveSrc: r.liveSrc,
            lastEventId: last,
            ...(r.needsYou === undefined ? {} : { needsYou: r.needsYou }),
            assets: assets.urls,
            body: r.body,
          }),
        );
      });
      web.get(v.fragment, { config: { web: "data" }, schema: { hide: true } }, async (request, reply) => {
        const ctx = { sql, config, now: clock(), session: guard.sessionOf(request) };
        const r = await v.render(ctx, request);
        reply.header("x-view-title", encodeURIComponent(r.title));
        return sendHtml(reply, r.body);
      });
    }

    // ---- live events
    web.get("/web/events", { config: { web: "data" }, schema: { hide: true } }, async (request, reply) => {
      const session = guard.sessionOf(request);
      await streamWebEvents(
        {
          sql,
          bus: deps.bus,
          logger: log,
          heartbeatMs: deps.options?.sseHeartbeatMs ?? 15_000,
          closing: closing.signal,
        },
        request,
        reply,
        session.id,
      );
    });

    // ---- actions: every button and the chat box, through the dispatcher as channel "web"
    web.post("/web/actions", { config: { web: "data" }, schema: { hide: true } }, async (request, reply) => {
      const session = guard.sessionOf(request);
      const u = formToUtterance((request.body ?? {}) as Record<string, unknown>, session.id, clock());
      const r = await deps.dispatcher.handle(u);
      if (wantsJson(request)) return reply.send(replyJson(r));
      // Without the script: the reply as a page, its buttons as forms.
      return sendHtml(
        reply,
        page({
          title: "Chief of Staff",
          view: undefined,
          assets: assets.urls,
          body: html`<div id="reply-head" class="view-head"><h1>Chief of Staff</h1></div>
<section id="reply-page"><p class="reply-text">${r.silent ? "Done." : r.text}</p>
<div class="actions">${r.buttons.flat().map((b) => replyButton(b.label, b.data))}</div>
<p><a href="/">Back to Now</a>${r.taskNumber ? html` · <a href="/web/tasks/${r.taskNumber}">Task ${r.taskNumber}</a>` : ""}</p></section>`,
        }),
      );
    });

    web.post("/web/seen", { config: { web: "data" }, schema: { hide: true } }, async (request, reply) => {
      await markSeen(sql, guard.sessionOf(request).id);
      return wantsJson(request) ? reply.send({ ok: true }) : reply.redirect("/", 303);
    });

    // ---- sessions
    web.post<{ Params: { id: string } }>(
      "/web/sessions/:id/revoke",
      { config: { web: "data" }, schema: { hide: true } },
      async (request, reply) => {
        const current = guard.sessionOf(request);
        await revokeSession(sql, request.params.id);
        if (request.params.id === current.id) {
          reply.header("set-cookie", guard.clearCookie());
          return reply.redirect("/web/login", 303);
        }
        return wantsJson(request) ? reply.send({ ok: true }) : reply.redirect("/web/sessions", 303);
      },
    );

    web.post("/web/logout", { config: { web: "data" }, schema: { hide: true } }, async (request, reply) => {
      await revokeSession(sql, guard.sessionOf(request).id);
      reply.header("set-cookie", guard.clearCookie());
      return reply.redirect("/web/login", 303);
    });

    // ---- sign-in
    web.get<{ Querystring: Record<string, string | undefined> }>(
      "/web/login",
      { config: { web: "public" }, schema: { hide: true } },
      async (request, reply) => {
        const next = safeNext(request.query.next);
        if (await guard.lookup(request)) return reply.redirect(next, 303);
        // A SameSite=Strict cookie is not sent on a navigation from another site (a link in
        // Telegram, a bookmark opened from mail). One same-site reload sends it, if there is one.
        if (request.headers["sec-fetch-site"] === "cross-site" && request.query.r !== "1") {
          const again = `/web/login?${new URLSearchParams({ ...(request.query.code ? { code: request.query.code } : {}), next, r: "1" })}`;
          return sendHtml(
            reply,
            barePage({
              title: "Sign in",
              assets: assets.urls,
              head: html`<meta http-equiv="refresh" content="0;url=${again}">`,
              body: html`<p><a href="${again}">Continue</a></p>`,
            }),
          );
        }
        reply.header("referrer-policy", "no-referrer");
        return sendHtml(
          reply,
          barePage({
            title: "Sign in",
            assets: assets.urls,
            body: loginView({ code: (request.query.code ?? "").slice(0, 40), next }),
          }),
        );
      },
    );

    web.post("/web/login", { config: { web: "public" }, schema: { hide: true } }, async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const next = safeNext(body.next);
      const code = typeof body.code === "string" ? body.code.slice(0, 40) : "";
      const fail = (status: number, error: string) =>
        sendHtml(
          reply,
          barePage({ title: "Sign in", assets: assets.urls, body: loginView({ code: "", next, error }) }),
          status,
        );

      // Every attempt counts, before the code is checked: a guesser learns nothing once limited.
      const mine = await deps.rateLimiter.hit(`web:login:${request.ip}`, perAddress, LOGIN_WINDOW_MS);
      const all = await deps.rateLimiter.hit("web:login:all", perAddress * 10, LOGIN_WINDOW_MS);
      if (!mine.allowed || !all.allowed) {
        const wait = Math.ceil(Math.max(mine.retryAfterMs, all.retryAfterMs) / 60_000);
        reply.header("retry-after", String(wait * 60));
        return fail(429, `Too many sign-in attempts. Try again in ${wait} minute${wait === 1 ? "" : "s"}.`);
      }
      const r = await redeemLoginCode(sql, code, {
        ttlMs: sessionTtlMs,
        ...(request.headers["user-agent"] ? { userAgent: request.headers["user-agent"] } : {}),
      });
      if (!r) {
        log.info({ ip: request.ip }, "dashboard sign-in refused");
        return fail(401, "That code is wrong, already used, or expired. Ask for a new sign-in link.");
      }
      log.info({ session: r.session.id, label: r.session.label }, "dashboard sign-in");
      reply.header("set-cookie", guard.setCookie(r.token, sessionTtlMs / 1000));
      return reply.redirect(next, 303);
    });
  });
}
