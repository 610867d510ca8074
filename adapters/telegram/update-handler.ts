import type { Api } from "grammy";
import type { Update } from "grammy/types";
import type { Dispatcher, Reply, Utterance } from "../../src/channels/types.ts";
import type { Logger } from "../../src/logger.ts";
import { formatMessage, type TelegramChunk } from "./format-message.ts";
import { type BotIdentity, type ChatRef, type ParsedUpdate, parseUpdate } from "./parse-update.ts";
import {
  backoffMs,
  describeError,
  grammySignal,
  isPermanentSendError,
  sleep,
  telegramErrorCode,
} from "./retry.ts";
import { transcribeVoice, type VoiceDeps } from "./voice.ts";

/** One call to Telegram that an update still owes. */
export type Op =
  | { kind: "send"; chatId: number; chunk: TelegramChunk; replyTo?: number }
  | { kind: "clearButtons"; chatId: number; messageId: number };

export interface UpdateHandlerDeps {
  api: Api;
  bot: BotIdentity;
  dispatcher: Dispatcher;
  voice: Omit<VoiceDeps, "log">;
  log: Logger;
  now: () => Date;
  retryBaseMs: number;
  retryMaxMs: number;
}

export const APOLOGY =
  "Sorry, something went wrong on my side while handling that. Please try again in a moment.";
export const BUTTON_EXPIRED = "This button no longer works.";
export const unsupportedText = (what: string) =>
  `I can read text messages and voice notes, but not a ${what} yet. Please type it or send a voice note.`;

/**
 * Handles one update to the end: the dispatcher is asked once, then every reply message goes out,
 * a failed call retried with backoff (at most `maxSendAttempts`, else until `signal` aborts) so the
 * caller may confirm the update afterwards. Throws only when `signal` aborts.
 */
export function createUpdateHandler(deps: UpdateHandlerDeps) {
  const { api, log } = deps;

  async function dispatch(u: Utterance, dispatched: Utterance[]): Promise<Reply | undefined> {
    try {
      // We confirm delivery after sending, so a redelivery after a crash still gets its answer.
      const reply = await deps.dispatcher.handle({ ...u, confirmsDelivery: true });
      dispatched.push(u);
      return reply;
    } catch (e) {
      log.error(
        { err: describeError(e), messageId: u.messageId },
        "the dispatcher failed on a telegram message",
      );
      return undefined;
    }
  }

  const say = (chat: ChatRef, text: string, heard?: string): Op[] =>
    toOps(formatMessage(heard === undefined ? { text } : { text, heard }).chunks, chat);

  function toOps(chunks: TelegramChunk[], chat: ChatRef): Op[] {
    return chunks.map((chunk, i) => ({
      kind: "send" as const,
      chatId: chat.chatId,
      chunk,
      ...(chat.isGroup && i === 0 ? { replyTo: chat.messageId } : {}),
    }));
  }

  function replyOps(reply: Reply | undefined, chat: ChatRef, heard?: string): Op[] {
    if (!reply) return say(chat, APOLOGY);
    if (reply.silent) return [];
    const { chunks, dropped } = formatMessage({
      text: reply.text,
      buttons: reply.buttons,
      ...(heard === undefined ? {} : { heard }),
    });
    if (dropped.length > 0)
      log.warn({ dropped: dropped.map((b) => b.label) }, "buttons left out: bad callback data");
    return toOps(chunks, chat);
  }

  async function decide(p: ParsedUpdate, signal: AbortSignal, dispatched: Utterance[]): Promise<Op[]> {
    switch (p.kind) {
      case "ignored":
        log.debug({ reason: p.reason }, "telegram update ignored");
        return [];
      case "unsupported":
        return p.chat.isGroup ? [] : say(p.chat, unsupportedText(p.what));
      case "text":
        return replyOps(await dispatch(p.utterance, dispatched), p.chat);
      case "voice": {
        const heard = await transcribeVoice(p.file, { ...deps.voice, log }, signal);
        if (!heard.ok) {
          log.info({ reason: heard.reason }, "voice note not transcribed; telling the person");
          return say(p.chat, heard.message);
        }
        const u: Utterance = {
          ...p.utterance,
          text: heard.transcript,
          context: {
            ...p.utterance.context,
            transcriptConfidence: heard.confidence,
            heard: heard.transcript,
          },
        };
        return replyOps(await dispatch(u, dispatched), p.chat, heard.transcript);
      }
      case "callback": {
        // Stop the spinner on the person's button first; the work may take a moment.
        await api
          .answerCallbackQuery(p.queryId, p.utterance ? {} : { text: BUTTON_EXPIRED })
          .catch((e: unknown) => log.warn({ err: describeError(e) }, "answerCallbackQuery failed"));
        if (!p.utterance) {
          log.info({ data: p.data }, "button press with data we did not make");
          return [];
        }
        const reply = await dispatch(p.utterance, dispatched);
        const clear: Op[] = p.pressed
          ? [{ kind: "clearButtons", chatId: p.pressed.chatId, messageId: p.pressed.messageId }]
          : [];
        const chat = p.pressed ?? { chatId: Number(p.utterance.conversation), messageId: 0, isGroup: false };
        return [...clear, ...replyOps(reply, { ...chat, isGroup: false })];
      }
    }
  }

  async function run(op: Op, signal: AbortSignal): Promise<void> {
    if (op.kind === "clearButtons") {
      await api.editMessageReplyMarkup(
        op.chatId,
        op.messageId,
        { reply_markup: { inline_keyboard: [] } },
        grammySignal(signal),
      );
      return;
    }
    const other = {
      parse_mode: "HTML" as const,
      link_preview_options: { is_disabled: true },
      ...(op.chunk.replyMarkup ? { reply_markup: op.chunk.replyMarkup } : {}),
      ...(op.replyTo
        ? { reply_parameters: { message_id: op.replyTo, allow_sending_without_reply: true } }
        : {}),
    };
    try {
      await api.sendMessage(op.chatId, op.chunk.html, other, grammySignal(signal));
    } catch (e) {
      if (telegramErrorCode(e) !== 400 || !/parse entities/i.test(describeError(e))) throw e;
      log.error({ err: describeError(e) }, "telegram refused our HTML; sending the piece as plain text");
      const { parse_mode: _, ...plain } = other;
      await api.sendMessage(op.chatId, op.chunk.text, plain, grammySignal(signal));
    }
  }

  async function deliver(ops: Op[], signal: AbortSignal, maxAttempts: number): Promise<void> {
    for (const op of ops) {
      for (let attempt = 0; ; attempt++) {
        signal.throwIfAborted();
        try {
          await run(op, signal);
          break;
        } catch (e) {
          signal.throwIfAborted();
          if (op.kind === "clearButtons") {
            log.debug({ err: describeError(e) }, "could not remove the pressed message's buttons");
            break;
          }
          if (isPermanentSendError(e) || attempt + 1 >= maxAttempts) {
            log.error(
              { err: describeError(e), chatId: op.chatId, attempt },
              "telegram message could not be sent",
            );
            break;
          }
          const wait = backoffMs(attempt, deps.retryBaseMs, deps.retryMaxMs);
          log.warn({ err: describeError(e), waitMs: wait, attempt }, "telegram send failed; retrying");
          await sleep(wait, signal);
        }
      }
    }
  }

  return {
    parse: (update: Update) => parseUpdate(update, deps.bot, deps.now()),
    /** The whole update; resolves once every reply went out (or could never go out). */
    async handle(
      update: Update,
      signal: AbortSignal,
      opts: { maxSendAttempts?: number } = {},
    ): Promise<void> {
      const parsed = parseUpdate(update, deps.bot, deps.now());
      const dispatched: Utterance[] = [];
      const ops = await decide(parsed, signal, dispatched);
      await deliver(ops, signal, opts.maxSendAttempts ?? Number.POSITIVE_INFINITY);
      for (const u of dispatched) {
        await deps.dispatcher
          .delivered?.(u)
          .catch((e: unknown) =>
            log.warn({ err: describeError(e) }, "could not record that a reply went out"),
          );
      }
    },
  };
}

export type UpdateHandler = ReturnType<typeof createUpdateHandler>;
