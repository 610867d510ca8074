import type { Transformer } from "grammy";
import type { Logger } from "../../src/logger.ts";
import { sleep } from "./retry.ts";

export interface OutboundLimits {
  /** spacing between messages to one chat; Telegram allows about one per second */
  perChatIntervalMs: number;
  /** messages per second over all chats; Telegram allows about 30 */
  globalPerSecond: number;
  /** a 429 asking to wait longer than this fails the call instead */
  maxRetryAfterSeconds: number;
  /** 429 retries of one call before it fails */
  max429Retries: number;
}

// Calls that put something into a chat: paced per chat and globally, in the order they were made.
const PACED = new Set([
  "sendMessage",
  "editMessageText",
  "editMessageReplyMarkup",
  "sendVoice",
  "sendAudio",
  "sendDocument",
  "sendPhoto",
  "copyMessage",
  "forwardMessage",
]);
// The long poll and the webhook calls handle their own errors.
const UNTOUCHED = new Set(["getUpdates", "setWebhook", "deleteWebhook"]);

/**
 * A grammY API transformer: per-chat FIFO queues spaced `perChatIntervalMs` apart, a global
 * sliding window of `globalPerSecond`, and a 429's `retry_after` honoured by waiting and repeating
 * that same call (its chat's queue waits with it, so order holds).
 */
export function createOutboundLimiter(limits: OutboundLimits, signal: AbortSignal, log: Logger): Transformer {
  const chatTails = new Map<string, Promise<unknown>>();
  const nextAt = new Map<string, number>();
  const recent: number[] = [];
  let globalTail: Promise<void> = Promise.resolve();

  const globalSlot = () => {
    const slot = globalTail.then(async () => {
      for (;;) {
        const now = Date.now();
        while (recent.length > 0 && (recent[0] ?? 0) <= now - 1000) recent.shift();
        if (recent.length < limits.globalPerSecond) break;
        if (!(await sleep((recent[0] ?? now) + 1000 - now, signal))) break;
      }
      recent.push(Date.now());
    });
    globalTail = slot.catch(() => {});
    return slot;
  };

  return async (prev, method, payload, callSignal) => {
    if (UNTOUCHED.has(method)) return prev(method, payload, callSignal);
    const chat = PACED.has(method) ? chatKey(payload) : undefined;

    const attempt = async () => {
      for (let tries = 0; ; tries++) {
        if (chat) {
          const wait = (nextAt.get(chat) ?? 0) - Date.now();
          if (wait > 0) await sleep(wait, signal);
          await globalSlot();
        }
        const res = await prev(method, payload, callSignal);
        if (chat) nextAt.set(chat, Date.now() + limits.perChatIntervalMs);
        if (res.ok || res.error_code !== 429) return res;
        const retryAfter = res.parameters?.retry_after ?? 1;
        if (tries >= limits.max429Retries || retryAfter > limits.maxRetryAfterSeconds || signal.aborted) {
          log.warn({ method, retryAfter, tries }, "telegram rate limit (429): giving up on this call");
          return res;
        }
        log.warn(
          { method, retryAfter, attempt: tries + 1 },
          "telegram rate limit (429): waiting retry_after",
        );
        if (!(await sleep(retryAfter * 1000, signal))) return res;
      }
    };

    if (!chat) return attempt();
    const prevTail = chatTails.get(chat) ?? Promise.resolve();
    const run = prevTail.then(attempt, attempt);
    const tail = run.catch(() => {});
    chatTails.set(chat, tail);
    void tail.then(() => {
      if (chatTails.get(chat) === tail) {
        chatTails.delete(chat);
        if ((nextAt.get(chat) ?? 0) <= Date.now()) nextAt.delete(chat);
      }
    });
    return run;
  };
}

function chatKey(payload: unknown): string | undefined {
  const id = (payload as { chat_id?: unknown } | undefined)?.chat_id;
  return typeof id === "number" || typeof id === "string" ? String(id) : undefined;
}
