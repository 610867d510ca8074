import type { FastifyRequest } from "fastify";
import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { parseCookies, serializeCookie } from "./cookies.ts";
import type { WebConfig } from "./deps.ts";
import { findSession, type WebSession } from "./sessions.ts";

/** How a route is guarded: public (sign-in, assets), a page (redirect to sign-in), or data (401). */
export type RouteKind = "public" | "page" | "data";

export interface SessionGuard {
  readonly cookieName: string;
  readonly secure: boolean;
  /** the live session the request's cookie names, or undefined */
  lookup(request: FastifyRequest): Promise<WebSession | undefined>;
  /** the session of a request that passed the hook */
  sessionOf(request: FastifyRequest): WebSession;
  remember(request: FastifyRequest, session: WebSession): void;
  /** the token a request carried (to sign that browser out) */
  tokenOf(request: FastifyRequest): string | undefined;
  setCookie(token: string, maxAgeSeconds: number): string;
  clearCookie(): string;
  /** throws forbidden unless a state-changing request comes from our own pages */
  checkSameOrigin(request: FastifyRequest): void;
}

export function createSessionGuard(sql: Sql, config: WebConfig): SessionGuard {
  const secure = config.publicUrl?.startsWith("https:") ?? false;
  // __Host- makes the browser refuse the cookie unless Secure, Path=/ and host-only.
  const cookieName = secure ? "__Host-aoh_session" : "aoh_session";
  const publicOrigin = config.publicUrl ? new URL(config.publicUrl).origin : undefined;
  const sessions = new WeakMap<FastifyRequest, WebSession>();
  const tokenOf = (request: FastifyRequest) => parseCookies(request.headers.cookie).get(cookieName);

  return {
    cookieName,
    secure,
    async lookup(request) {
      const token = tokenOf(request);
      return token ? findSession(sql, token) : undefined;
    },
    sessionOf(request) {
      const s = sessions.get(request);
      if (!s) throw new HubError("unauthorized", "Sign in first: this needs a dashboard session");
      return s;
    },
    remember(request, session) {
      sessions.set(request, session);
    },
    tokenOf,
    setCookie: (token, maxAgeSeconds) => serializeCookie(cookieName, token, { maxAgeSeconds, secure }),
    clearCookie: () => serializeCookie(cookieName, "", { maxAgeSeconds: 0, secure }),
    /**
     * SameSite=Strict already keeps the cookie off cross-site requests; this is the second
     * lock. Browsers send Sec-Fetch-Site on secure origins and Origin on every POST, so a
     * request with neither is not from our pages.
     */
    checkSameOrigin(request) {
      const site = request.headers["sec-fetch-site"];
      if (typeof site === "string") {
        if (site === "same-origin") return;
        throw new HubError("forbidden", "Cross-site request refused");
      }
      const origin = request.headers.origin;
      if (typeof origin === "string" && origin !== "null") {
        if (publicOrigin && origin === publicOrigin) return;
        try {
          if (new URL(origin).host === request.headers.host) return;
        } catch {
          // not a URL: refused below
        }
      }
      throw new HubError("forbidden", "Cross-site request refused: no matching Origin");
    },
  };
}
