import type { Api } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "../../src/logger.ts";
import { backoffMs, describeError, grammySignal, sleep, telegramErrorCode } from "./retry.ts";

export const ALLOWED_UPDATES = ["message", "callback_query"] as const;

export interface PollOptions {
  api: Api;
  log: Logger;
  timeoutSeconds: number;
  conflictBackoff: { baseMs: number; maxMs: number };
  errorBackoff: { baseMs: number; maxMs: number };
  loadOffset(): Promise<number | undefined>;
  /** false when this instance may no longer confirm updates (its lease is gone): polling stops */
  saveOffset(offset: number): Promise<boolean>;
  /** handles one update to the end; throws only when `hardSignal` aborts */
  handle(update: Update, hardSignal: AbortSignal): Promise<void>;
}

/**
 * Long polling over getUpdates. Updates are handled one at a time, in order; the offset moves
 * (in the database, then at Telegram with the next getUpdates) only after an update was handled,
 * so a crash or restart redelivers at most the update that was in hand. `signal` ends the loop
 * between updates and cuts a waiting long poll at once; `hardSignal` also cuts the update in hand.
 */
export async function pollUpdates(
  opts: PollOptions,
  signal: AbortSignal,
  hardSignal: AbortSignal,
): Promise<void> {
  const { api, log } = opts;
  let offset = await opts.loadOffset();
  log.info({ offset: offset ?? null }, "telegram long polling started");
  let conflicts = 0;
  let failures = 0;
  while (!signal.aborted) {
    let updates: Update[];
    try {
      updates = await api.getUpdates(
        {
          ...(offset === undefined ? {} : { offset }),
          timeout: opts.timeoutSeconds,
          limit: 100,
          allowed_updates: [...ALLOWED_UPDATES],
        },
        grammySignal(signal),
      );
      conflicts = 0;
      failures = 0;
    } catch (e) {
      if (signal.aborted) break;
      const code = telegramErrorCode(e);
      let waitMs: number;
      if (code === 409) {
        waitMs = backoffMs(conflicts++, opts.conflictBackoff.baseMs, opts.conflictBackoff.maxMs);
        log.warn(
          { err: describeError(e), waitMs, conflicts },
          "telegram 409 Conflict: another process is polling this bot token or a webhook is set; backing off",
        );
      } else if (code === 429) {
        const retryAfter = (e as { parameters?: { retry_after?: number } }).parameters?.retry_after ?? 1;
        waitMs = retryAfter * 1000;
        log.warn({ waitMs }, "telegram rate limit on getUpdates (429); waiting retry_after");
      } else {
        waitMs = backoffMs(failures++, opts.errorBackoff.baseMs, opts.errorBackoff.maxMs);
        const level = code === 401 || code === 404 ? "error" : "warn";
        log[level]({ err: describeError(e), waitMs }, "telegram getUpdates failed; retrying");
      }
      await sleep(waitMs, signal);
      continue;
    }

    for (const update of updates) {
      if (signal.aborted) break;
      if (offset !== undefined && update.update_id < offset) {
        log.debug({ updateId: update.update_id, offset }, "telegram update already handled; skipped");
        continue;
      }
      try {
        await opts.handle(update, hardSignal);
      } catch (e) {
        if (hardSignal.aborted) return;
        throw e;
      }
      offset = update.update_id + 1;
      if (!(await opts.saveOffset(offset))) {
        log.warn({ offset }, "no longer the telegram poller; stopping before confirming more updates");
        return;
      }
    }
  }
  log.info({ offset: offset ?? null }, "telegram long polling stopped");
}
