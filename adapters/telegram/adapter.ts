import type { FastifyInstance } from "fastify";
import { Bot } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import type { AdapterContext, ChannelAdapter, OutboundMessage } from "../../src/channels/types.ts";
import { HubError } from "../../src/errors.ts";
import { deepgramFromConfig } from "../../src/speech/deepgram.ts";
import { BOT_COMMANDS } from "./commands.ts";
import { createFileDownloader } from "./file-download.ts";
import { formatMessage } from "./format-message.ts";
import { whileLeader } from "./leader.ts";
import { loadOffset, saveOffset } from "./offset-store.ts";
import { createOutboundLimiter } from "./outbound-limiter.ts";
import type { ParsedUpdate } from "./parse-update.ts";
import { ALLOWED_UPDATES, pollUpdates } from "./poller.ts";
import {
  backoffMs,
  describeError,
  grammySignal,
  isPermanentSendError,
  sleep,
  telegramErrorCode,
} from "./retry.ts";
import { DEFAULT_TUNING, type TelegramAdapterConfig, type TelegramAdapterDeps } from "./settings.ts";
import { createUpdateHandler, type UpdateHandler } from "./update-handler.ts";
import { registerWebhookRoute } from "./webhook.ts";

export interface TelegramStatus {
  mode: "polling" | "webhook";
  state: "new" | "running" | "stopped";
  /** polling mode: this instance holds the lease and polls */
  polling: boolean;
  bot: { id: number; username: string } | undefined;
}

export interface TelegramAdapter extends ChannelAdapter {
  readonly name: "telegram";
  status(): TelegramStatus;
}

/**
 * The Telegram channel: long polling (one poller per bot token, by lease) or a webhook when
 * TELEGRAM_WEBHOOK_URL is set; text, commands, voice notes and button presses go to the
 * dispatcher, replies come back as HTML with inline keyboards.
 */
export function createTelegramAdapter(
  config: TelegramAdapterConfig,
  deps: TelegramAdapterDeps,
): TelegramAdapter {
  const token = config.telegram.token;
  if (!token) throw new HubError("config_invalid", "TELEGRAM_BOT_TOKEN is not set");
  const apiRoot = config.telegram.apiRoot.replace(/\/+$/, "");
  const webhookUrl = config.telegram.webhookUrl;
  const webhookSecret = config.telegram.webhookSecret;
  if (webhookUrl && !webhookSecret) {
    throw new HubError(
      "config_invalid",
      "TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set",
    );
  }
  const tuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const log = deps.logger.child({ channel: "telegram" });
  const now = deps.now ?? (() => new Date());
  const mode = webhookUrl ? "webhook" : "polling";

  /** aborted by stop(): no new updates, the long poll is cut */
  const soft = new AbortController();
  /** aborted when draining is over: everything in hand is cut */
  const hard = new AbortController();

  const bot = new Bot(token, {
    client: { apiRoot, timeoutSeconds: tuning.pollTimeoutSeconds + 30 },
  });
  bot.api.config.use(createOutboundLimiter(tuning, hard.signal, log));
  const transcriber = deps.transcriber ?? deepgramFromConfig(config.deepgram, log);
  const files = createFileDownloader({
    api: bot.api,
    apiRoot,
    token,
    maxBytes: tuning.maxVoiceBytes,
    timeoutMs: tuning.downloadTimeoutMs,
  });

  let state: TelegramStatus["state"] = "new";
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let handler: UpdateHandler | undefined;
  let botInfo: UserFromGetMe | undefined;
  let polling = false;
  let loop: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();
  const chatQueues = new Map<string, Promise<unknown>>();
  const recentUpdates = new Set<number>();

  async function init(signal: AbortSignal): Promise<UserFromGetMe> {
    for (let attempt = 0; ; attempt++) {
      try {
        await bot.init(grammySignal(signal));
        return bot.botInfo;
      } catch (e) {
        const code = telegramErrorCode(e);
        if (code === 401 || code === 404) {
          throw new HubError("config_invalid", "Telegram rejected TELEGRAM_BOT_TOKEN (getMe: Unauthorized)");
        }
        if (attempt >= 2 || signal.aborted) {
          throw new HubError("unavailable", `Telegram is unreachable: ${describeError(e)}`);
        }
        log.warn({ err: describeError(e), attempt }, "telegram getMe failed; retrying");
        await sleep(backoffMs(attempt, 500, 5_000), signal);
      }
    }
  }

  async function start(ctx: AdapterContext): Promise<void> {
    if (state === "stopped")
      throw new HubError("conflict", "this Telegram adapter was stopped; create a new one");
    starting ??= (async () => {
      if (ctx.signal.aborted) throw new HubError("unavailable", "the hub is shutting down");
      ctx.signal.addEventListener("abort", () => void stop(), { once: true });
      botInfo = await init(soft.signal);
      const identity = { id: botInfo.id, username: botInfo.username };
      handler = createUpdateHandler({
        api: bot.api,
        bot: identity,
        dispatcher: ctx.dispatcher,
        voice: {
          transcriber,
          files,
          keyterms: deps.keyterms ?? (async () => []),
          maxBytes: tuning.maxVoiceBytes,
        },
        log,
        now,
        retryBaseMs: tuning.sendRetryBaseMs,
        retryMaxMs: tuning.sendRetryMaxMs,
      });
      await bot.api
        .setMyCommands([...BOT_COMMANDS])
        .catch((e: unknown) =>
          log.warn({ err: describeError(e) }, "setMyCommands failed; the menu may be stale"),
        );
      if (webhookUrl) {
        await bot.api.setWebhook(webhookUrl, {
          ...(webhookSecret ? { secret_token: webhookSecret } : {}),
          allowed_updates: [...ALLOWED_UPDATES],
        });
        log.info({ bot: identity.username, mode }, "telegram webhook set");
      } else {
        loop = runPolling(identity.id);
      }
      state = "running";
      log.info({ bot: identity.username, mode, voice: Boolean(transcriber) }, "telegram adapter started");
    })();
    // A start that failed (Telegram unreachable) may be tried again.
    starting.catch(() => {
      if (state === "new") starting = undefined;
    });
    return starting;
  }

  function runPolling(botId: number): Promise<void> {
    return whileLeader(
      {
        sql: deps.sql,
        name: `telegram:${botId}`,
        holder: config.instanceId,
        ttlMs: tuning.leaseTtlMs,
        renewMs: tuning.leaseRenewMs,
        log,
      },
      soft.signal,
      (leading) => {
        polling = leading;
      },
      async (lead) => {
        await bot.api.deleteWebhook({ drop_pending_updates: false }, grammySignal(lead.signal));
        const h = handler;
        if (!h) return;
        await pollUpdates(
          {
            api: bot.api,
            log,
            timeoutSeconds: tuning.pollTimeoutSeconds,
            conflictBackoff: { baseMs: tuning.conflictBackoffBaseMs, maxMs: tuning.conflictBackoffMaxMs },
            errorBackoff: { baseMs: tuning.errorBackoffBaseMs, maxMs: tuning.errorBackoffMaxMs },
            loadOffset: () => loadOffset(deps.sql),
            saveOffset: async (offset) => {
              if (!(await lead.stillHeld())) return false;
              await saveOffset(deps.sql, offset);
              return true;
            },
            handle: (update, signal) => h.handle(update, signal),
          },
          lead.signal,
          hard.signal,
        );
      },
    ).catch((e: unknown) => log.error({ err: describeError(e) }, "telegram polling ended with an error"));
  }

  /** Webhook updates: one chat's updates in order, different chats side by side. */
  function onWebhookUpdate(update: Update): Promise<void> {
    const h = handler;
    if (state !== "running" || !h) return Promise.reject(new HubError("unavailable", "not started"));
    if (recentUpdates.has(update.update_id)) return Promise.resolve();
    const key = chatKeyOf(h.parse(update));
    const prev = chatQueues.get(key) ?? Promise.resolve();
    const run = prev.then(async () => {
      await h.handle(update, hard.signal, { maxSendAttempts: tuning.sendAttempts });
      recentUpdates.add(update.update_id);
      if (recentUpdates.size > 1_000) recentUpdates.delete(recentUpdates.values().next().value ?? -1);
    });
    const tail = run.catch(() => {});
    chatQueues.set(key, tail);
    inFlight.add(tail);
    void tail.then(() => {
      inFlight.delete(tail);
      if (chatQueues.get(key) === tail) chatQueues.delete(key);
    });
    return run;
  }

  async function send(conversation: string, message: OutboundMessage): Promise<void> {
    if (state === "stopped") throw new HubError("unavailable", "the Telegram adapter is stopped");
    const chatId = Number(conversation);
    if (!Number.isSafeInteger(chatId))
      throw new HubError("validation", `not a Telegram chat id: ${conversation}`);
    const { chunks } = formatMessage({
      text: message.text,
      ...(message.buttons ? { buttons: message.buttons } : {}),
    });
    for (const chunk of chunks) {
      for (let attempt = 0; ; attempt++) {
        try {
          await bot.api.sendMessage(
            chatId,
            chunk.html,
            {
              parse_mode: "HTML",
              link_preview_options: { is_disabled: true },
              ...(chunk.replyMarkup ? { reply_markup: chunk.replyMarkup } : {}),
            },
            grammySignal(hard.signal),
          );
          break;
        } catch (e) {
          const code = telegramErrorCode(e);
          if (isPermanentSendError(e)) {
            throw new HubError(
              code === 403 ? "forbidden" : "bad_request",
              `Telegram refused the message: ${describeError(e)}`,
            );
          }
          if (attempt + 1 >= tuning.sendAttempts || hard.signal.aborted) {
            throw new HubError("unavailable", `Telegram did not take the message: ${describeError(e)}`, {
              cause: e,
            });
          }
          const wait = backoffMs(attempt, tuning.sendRetryBaseMs, tuning.sendRetryMaxMs);
          log.warn({ err: describeError(e), waitMs: wait }, "telegram notification failed; retrying");
          await sleep(wait, hard.signal);
        }
      }
    }
  }

  async function stop(): Promise<void> {
    stopping ??= (async () => {
      const was = state;
      state = "stopped";
      soft.abort();
      await starting?.catch(() => {});
      const drained = Promise.all([loop, ...inFlight]).then(() => true);
      const inTime = await Promise.race([drained, sleep(tuning.drainTimeoutMs).then(() => false)]);
      if (!inTime) log.warn("telegram: cutting the update in hand after the drain timeout");
      hard.abort();
      await drained;
      if (was !== "new") log.info("telegram adapter stopped");
    })();
    return stopping;
  }

  return {
    name: "telegram",
    start,
    stop,
    send,
    routes(app: FastifyInstance) {
      if (!webhookUrl) return;
      registerWebhookRoute(app, { secret: webhookSecret, log, onUpdate: onWebhookUpdate });
    },
    status: () => ({
      mode,
      state,
      polling,
      bot: botInfo ? { id: botInfo.id, username: botInfo.username } : undefined,
    }),
  };
}

function chatKeyOf(p: ParsedUpdate): string {
  switch (p.kind) {
    case "text":
    case "voice":
    case "unsupported":
      return String(p.chat.chatId);
    case "callback":
      return p.pressed ? String(p.pressed.chatId) : (p.utterance?.conversation ?? "-");
    case "ignored":
      return "-";
  }
}
