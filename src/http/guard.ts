import type { FastifyInstance } from "fastify";
import { HubError } from "../errors.ts";
import { type Caller, scopeOf } from "./auth.ts";
import type { RouteContext } from "./context.ts";

const WINDOW_MS = 60_000;

/**
 * The /v1 gate, before the body is even read: a valid key (401 otherwise), then the caller's
 * rate limit (429 with Retry-After). Failed keys are rate limited per client address too, so
 * keys cannot be guessed quickly.
 */
export function installGuard(v1: FastifyInstance, ctx: RouteContext) {
  const limit = ctx.config.rateLimitPerMinute;
  const limited = (retryAfterMs: number) =>
    new HubError("rate_limited", `Too many requests: the limit is ${limit} per minute; retry later`, {
      details: { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)), limitPerMinute: limit },
    });

  v1.addHook("onRequest", async (request, reply) => {
    let caller: Caller;
    try {
      caller = await ctx.auth.authenticate(request.headers.authorization);
    } catch (e) {
      const r = await ctx.rateLimiter.hit(`http:unauth:${request.ip}`, limit, WINDOW_MS);
      if (!r.allowed) throw limited(r.retryAfterMs);
      throw e;
    }
    const r = await ctx.rateLimiter.hit(`http:${scopeOf(caller)}`, limit, WINDOW_MS);
    reply.header("x-ratelimit-limit", String(limit));
    reply.header("x-ratelimit-remaining", String(r.remaining));
    if (!r.allowed) throw limited(r.retryAfterMs);
    ctx.auth.remember(request, caller);
  });

  // A POST without a body (a claim, a heartbeat) is an empty object, so optional-body routes
  // need no body and required fields are reported by name.
  v1.addHook("preValidation", async (request) => {
    if (request.body === undefined && (request.method === "POST" || request.method === "PATCH"))
      request.body = {};
  });
}

export function requireAdmin(caller: Caller, what: string) {
  if (caller.kind !== "admin") throw new HubError("forbidden", `Only the admin key may ${what}`);
}
