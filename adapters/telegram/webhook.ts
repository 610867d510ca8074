import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Update } from "grammy/types";
import type { Logger } from "../../src/logger.ts";
import { describeError } from "./retry.ts";

export const WEBHOOK_PATH = "/telegram/webhook";
export const SECRET_HEADER = "x-telegram-bot-api-secret-token";

/** Equal strings in time that does not depend on where they differ (nor on their lengths). */
export function secretMatches(given: unknown, expected: string | undefined): boolean {
  if (typeof given !== "string" || !expected) return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

export interface WebhookRouteOptions {
  secret: string | undefined;
  log: Logger;
  /** resolves when the update was handled; throws when the adapter cannot take updates now */
  onUpdate(update: Update): Promise<void>;
}

/**
 * `POST /telegram/webhook`: the secret header is checked on every request (401 otherwise), then
 * the update is handled before answering 200, so Telegram redelivers what a crash interrupted.
 */
export function registerWebhookRoute(app: FastifyInstance, opts: WebhookRouteOptions): void {
  app.post(WEBHOOK_PATH, async (req, reply) => {
    if (!secretMatches(req.headers[SECRET_HEADER], opts.secret)) {
      opts.log.warn({ ip: req.ip }, "telegram webhook call with a wrong or missing secret token");
      return reply.code(401).send({ ok: false, error: "unauthorized" });
    }
    const update = req.body as Update | undefined;
    if (!update || typeof update !== "object" || !Number.isSafeInteger(update.update_id)) {
      return reply.code(400).send({ ok: false, error: "not a Telegram update" });
    }
    try {
      await opts.onUpdate(update);
    } catch (e) {
      opts.log.warn(
        { err: describeError(e), updateId: update.update_id },
        "telegram webhook update not taken",
      );
      return reply.code(503).send({ ok: false, error: "not ready" });
    }
    return reply.code(200).send({ ok: true });
  });
}
