import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { HubError } from "../../src/errors.ts";
import type { RateLimiter } from "../../src/infra/types.ts";

/** Equal in time that depends on neither where they differ nor their lengths. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token a voice platform sent: `Authorization: Bearer <token>`, or Vapi's `X-Vapi-Secret`. */
export function presentedToken(req: Pick<FastifyRequest, "headers">): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === "string") {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m?.[1]) return m[1].trim();
  }
  const vapi = req.headers["x-vapi-secret"];
  return typeof vapi === "string" && vapi.trim().length > 0 ? vapi.trim() : undefined;
}

export interface TokenCheck {
  token: string | undefined;
  rateLimiter: RateLimiter | undefined;
  failuresPerMinute: number;
}

/**
 * Throws unless the request carries VOICE_TOKEN: 503 when none is configured, 401 when it is
 * missing or wrong (429 after too many wrong ones from one address). Never logs the token.
 */
export async function requireVoiceToken(req: FastifyRequest, c: TokenCheck): Promise<void> {
  if (!c.token) throw new HubError("unavailable", "voice is not configured (VOICE_TOKEN)");
  const given = presentedToken(req);
  if (given !== undefined && sameSecret(given, c.token)) return;
  if (c.rateLimiter) {
    const r = await c.rateLimiter.hit(`voice:unauth:${req.ip}`, c.failuresPerMinute, 60_000);
    if (!r.allowed) {
      throw new HubError("rate_limited", "Too many requests with a wrong voice token; retry later", {
        details: { retryAfterSeconds: Math.max(1, Math.ceil(r.retryAfterMs / 1000)) },
      });
    }
  }
  throw new HubError(
    "unauthorized",
    given === undefined
      ? "A voice token is required: send Authorization: Bearer <VOICE_TOKEN> (or X-Vapi-Secret)"
      : "The voice token is wrong",
  );
}
