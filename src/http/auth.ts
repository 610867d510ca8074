import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { verifyApiKey } from "../core/api-keys.ts";
import type { Actor } from "../core/types.ts";
import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { createExpiringMap } from "../infra/expiring-map.ts";

/** Who is calling: the admin (config key or an admin key from api_keys) or one agent. */
export interface Caller {
  kind: "admin" | "agent";
  /** the agent's name, or "admin" */
  name: string;
  /** api_keys.id; null for the configured AGENTOPS_ADMIN_KEY */
  keyId: string | null;
}

export const actorOf = (c: Caller): Actor =>
  c.kind === "agent" ? { kind: "agent", name: c.name } : { kind: "admin", name: "admin" };

/** Identity for rate limits and idempotency scopes. */
export const scopeOf = (c: Caller): string =>
  c.kind === "agent" ? `agent:${c.name}` : `admin:${c.keyId ?? "config"}`;

const sha256 = (s: string) => createHash("sha256").update(s).digest();

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<Caller>;
  /** the caller of an authenticated request (set by the /v1 onRequest hook) */
  callerOf(request: FastifyRequest): Caller;
  remember(request: FastifyRequest, caller: Caller): void;
}

/**
 * Bearer keys: the configured admin key is compared in constant time; others go to
 * verifyApiKey, whose answers are cached briefly in-process (successes for `cacheMs`,
 * failures for one second) so a busy agent does not cost a query per request. A revoked key
 * therefore stops working within `cacheMs`.
 */
export function createAuthenticator(opts: {
  sql: Sql;
  adminKey: string | undefined;
  cacheMs?: number;
}): Authenticator {
  const cacheMs = opts.cacheMs ?? 5_000;
  const adminDigest = opts.adminKey ? sha256(opts.adminKey) : undefined;
  const cache = createExpiringMap<Caller | null>({ maxEntries: 10_000 });
  const inflight = new Map<string, Promise<Caller | null>>();
  const callers = new WeakMap<FastifyRequest, Caller>();

  async function lookup(key: string, digestHex: string): Promise<Caller | null> {
    const pending = inflight.get(digestHex);
    if (pending) return pending;
    const p = (async () => {
      try {
        const v = await verifyApiKey(opts.sql, key);
        const caller: Caller | null = v
          ? v.isAdmin || !v.agentName
            ? { kind: "admin", name: "admin", keyId: v.id }
            : { kind: "agent", name: v.agentName, keyId: v.id }
          : null;
        cache.set(digestHex, caller, caller ? cacheMs : 1_000);
        return caller;
      } finally {
        inflight.delete(digestHex);
      }
    })();
    inflight.set(digestHex, p);
    return p;
  }

  return {
    async authenticate(authorization) {
      if (!authorization) {
        throw new HubError("unauthorized", "Missing API key: send it as Authorization: Bearer <key>");
      }
      const m = BEARER.exec(authorization);
      const key = m?.[1];
      if (!key) throw new HubError("unauthorized", "Malformed Authorization header: expected Bearer <key>");
      const digest = sha256(key);
      if (adminDigest && timingSafeEqual(digest, adminDigest))
        return { kind: "admin", name: "admin", keyId: null };
      const hex = digest.toString("hex");
      const cached = cache.get(hex);
      const caller = cached !== undefined ? cached : key.length > 200 ? null : await lookup(key, hex);
      if (!caller) throw new HubError("unauthorized", "Invalid or revoked API key");
      return caller;
    },
    callerOf(request) {
      const c = callers.get(request);
      if (!c) throw new HubError("unauthorized", "Missing API key: send it as Authorization: Bearer <key>");
      return c;
    },
    remember(request, caller) {
      callers.set(request, caller);
    },
  };
}
