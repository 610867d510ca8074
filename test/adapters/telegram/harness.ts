import pino from "pino";
import { createTelegramAdapter, type TelegramAdapter } from "../../../adapters/telegram/adapter.ts";
import type { TelegramAdapterDeps, TelegramTuning } from "../../../adapters/telegram/settings.ts";
import type { Dispatcher, Reply, Utterance } from "../../../src/channels/types.ts";
import type { Config } from "../../../src/config.ts";
import type { Sql } from "../../../src/db/sql.ts";
import type { Logger } from "../../../src/logger.ts";
import type { FakeTelegram } from "../../fakes/telegram-bot-api.ts";

/** Short timings so the tests run in seconds; the behaviour is the production one. */
export const FAST: Partial<TelegramTuning> = {
  pollTimeoutSeconds: 5,
  leaseTtlMs: 1_500,
  leaseRenewMs: 200,
  conflictBackoffBaseMs: 50,
  conflictBackoffMaxMs: 400,
  errorBackoffBaseMs: 50,
  errorBackoffMaxMs: 400,
  sendRetryBaseMs: 50,
  sendRetryMaxMs: 400,
  perChatIntervalMs: 20,
  drainTimeoutMs: 3_000,
};

export const OWNER = 424_242;

/** A real dispatcher for tests: records every utterance and answers from a script. */
export function testDispatcher(
  script: (u: Utterance) => Partial<Reply> | Promise<Partial<Reply>> = () => ({}),
) {
  const utterances: Utterance[] = [];
  const dispatcher: Dispatcher & { utterances: Utterance[] } = {
    utterances,
    async handle(u) {
      utterances.push(u);
      const r = await script(u);
      return {
        text: `ok: ${u.text}`,
        speech: "ok",
        buttons: [],
        actions: [],
        intent: u.preset?.intent ?? "unknown",
        awaitingConfirmation: false,
        silent: false,
        ...r,
      };
    },
  };
  return dispatcher;
}

/** A pino logger whose lines stay in memory, to assert on them (and that no token leaks). */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[]; raw: string[] } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const logger = pino(
    { level: "debug" },
    {
      write(s: string) {
        raw.push(s);
        lines.push(JSON.parse(s) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines, raw };
}

export function telegramConfig(
  fake: FakeTelegram,
  o: { instanceId?: string; webhookUrl?: string; webhookSecret?: string; deepgram?: Config["deepgram"] } = {},
): Pick<Config, "telegram" | "deepgram" | "instanceId"> {
  return {
    instanceId: o.instanceId ?? "hub-a",
    telegram: {
      token: fake.token,
      apiRoot: fake.apiRoot,
      webhookUrl: o.webhookUrl,
      webhookSecret: o.webhookSecret,
    },
    deepgram: o.deepgram ?? { apiKey: undefined, baseUrl: undefined },
  };
}

export interface Running {
  adapter: TelegramAdapter;
  dispatcher: ReturnType<typeof testDispatcher>;
  controller: AbortController;
}

export async function startAdapter(
  fake: FakeTelegram,
  sql: Sql,
  logger: Logger,
  o: {
    instanceId?: string;
    dispatcher?: ReturnType<typeof testDispatcher>;
    tuning?: Partial<TelegramTuning>;
    deepgram?: Config["deepgram"];
    deps?: Partial<TelegramAdapterDeps>;
  } = {},
): Promise<Running> {
  const dispatcher = o.dispatcher ?? testDispatcher();
  const adapter = createTelegramAdapter(
    telegramConfig(fake, {
      ...(o.instanceId ? { instanceId: o.instanceId } : {}),
      ...(o.deepgram ? { deepgram: o.deepgram } : {}),
    }),
    { sql, logger, tuning: { ...FAST, ...o.tuning }, ...o.deps },
  );
  const controller = new AbortController();
  await adapter.start({ dispatcher, logger, signal: controller.signal });
  return { adapter, dispatcher, controller };
}

export const logged = (lines: Record<string, unknown>[], msg: string | RegExp) =>
  lines.filter((l) => (typeof msg === "string" ? l.msg === msg : msg.test(String(l.msg))));
