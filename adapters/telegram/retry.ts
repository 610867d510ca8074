import { GrammyError } from "grammy";
import { scrubSecrets } from "../../src/logger.ts";

/** Waits `ms`, or less when `signal` aborts; true when the full time passed. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (full: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(full);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** base·2^attempt, capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
}

/** Telegram's error code when Telegram answered with an error; undefined for network failures. */
export function telegramErrorCode(e: unknown): number | undefined {
  return e instanceof GrammyError ? e.error_code : undefined;
}

/** An error as one log-safe line: bot tokens in URLs are blanked. */
export function describeError(e: unknown): string {
  if (e instanceof GrammyError) return scrubSecrets(`${e.method}: ${e.error_code} ${e.description}`);
  if (e instanceof Error) return scrubSecrets(e.message);
  return scrubSecrets(String(e));
}

/**
 * A send that can never succeed (chat gone, bot blocked, bad request): retrying would only hold up
 * the messages behind it.
 */
export function isPermanentSendError(e: unknown): boolean {
  const code = telegramErrorCode(e);
  return code !== undefined && code >= 400 && code < 500 && code !== 429 && code !== 409;
}

/** grammY's Node typings name the abort-controller polyfill's signal; a native one works the same. */
export type GrammySignal = NonNullable<Parameters<import("grammy").Api["getMe"]>[0]>;
export const grammySignal = (s: AbortSignal): GrammySignal => s as unknown as GrammySignal;
