import { createVoiceAdapter, type VoiceAdapter } from "../../../adapters/voice/adapter.ts";
import type { VoiceAdapterConfig, VoiceTuning } from "../../../adapters/voice/settings.ts";
import type { Dispatcher } from "../../../src/channels/types.ts";
import { createDispatcher, type DispatcherDeps } from "../../../src/conversation/dispatcher.ts";
import { createRulesParser } from "../../../src/conversation/parser.ts";
import { createLocalEventBus } from "../../../src/events/local-bus.ts";
import { createHttpApp } from "../../../src/http/app.ts";
import { createMemoryRateLimiter } from "../../../src/infra/memory-rate-limiter.ts";
import { createLogger, type Logger } from "../../../src/logger.ts";
import { createTestDatabase, type TestDb } from "../../helpers/db.ts";

export const VOICE_TOKEN = "voice-test-token-0123456789abcdef";
export const TWILIO_TOKEN = "twilio-test-auth-token-0123456789";
export const PUBLIC_URL = "https://hub.example.com";
export const OWNER_PHONE = "+33600000000";
export const BODY_LIMIT = 1_048_576;

export function voiceConfig(o: Partial<VoiceAdapterConfig> = {}): VoiceAdapterConfig {
  return {
    voice: { token: VOICE_TOKEN, minConfidence: 0.6, twilioAuthToken: TWILIO_TOKEN },
    deepgram: { apiKey: undefined, baseUrl: undefined },
    publicUrl: PUBLIC_URL,
    bodyLimitBytes: BODY_LIMIT,
    owner: { phones: [OWNER_PHONE] },
    ...o,
  };
}

export interface VoiceHub {
  db: TestDb;
  url: string;
  adapter: VoiceAdapter;
  dispatcher: Dispatcher;
  logger: Logger;
  /** fetch with the voice token (unless `token: null`) and a JSON body */
  call(path: string, o?: CallOptions): Promise<CallReply>;
  /** a task row by its number */
  task(n: number): Promise<{ status: string; title: string; due_at: Date | null } | undefined>;
  taskCount(): Promise<number>;
  close(): Promise<void>;
}

export interface CallOptions {
  method?: string;
  token?: string | null;
  body?: unknown;
  raw?: BodyInit;
  headers?: Record<string, string>;
}

export interface CallReply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected loosely
  body: any;
  text: string;
}

/**
 * A hub as production wires it, minus the other channels: Postgres, the real dispatcher with
 * the rules parser, the real fastify app with the voice routes mounted, on 127.0.0.1:<random>.
 */
export async function startVoiceHub(
  o: {
    config?: Partial<VoiceAdapterConfig>;
    /** the dispatcher the adapter gets, around the real one (a gate, to hold a turn) */
    wrap?: (d: Dispatcher) => Dispatcher;
    tuning?: Partial<VoiceTuning>;
    dispatcherConfig?: Partial<DispatcherDeps["config"]>;
    logger?: Logger;
  } = {},
): Promise<VoiceHub> {
  const db = await createTestDatabase();
  const logger = o.logger ?? createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const config = voiceConfig(o.config);
  const dispatcher = createDispatcher({
    sql: db.sql,
    parser: createRulesParser(),
    logger,
    config: {
      owner: { name: "Ana", telegramIds: [], discordIds: [], emails: [], phones: config.owner.phones },
      timeZone: "Europe/Paris",
      leaseSeconds: 300,
      maxAttempts: 3,
      agentOfflineSeconds: 120,
      voice: { minConfidence: config.voice.minConfidence },
      ...o.dispatcherConfig,
    },
  });
  const app = createHttpApp({
    sql: db.sql,
    config: {
      adminKey: undefined,
      bodyLimitBytes: config.bodyLimitBytes,
      rateLimitPerMinute: 1_000_000,
      leaseSeconds: 300,
      maxAttempts: 3,
      agentOfflineSeconds: 120,
    },
    logger,
    rateLimiter: createMemoryRateLimiter(),
    bus: createLocalEventBus(logger),
  });
  const adapter = createVoiceAdapter(config, {
    sql: db.sql,
    logger,
    rateLimiter: createMemoryRateLimiter(),
    ...(o.tuning ? { tuning: o.tuning } : {}),
  });
  await adapter.routes?.(app);
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  const controller = new AbortController();
  const given = o.wrap ? o.wrap(dispatcher) : dispatcher;
  await adapter.start({ dispatcher: given, logger, signal: controller.signal });

  const call = async (path: string, c: CallOptions = {}): Promise<CallReply> => {
    const headers: Record<string, string> = { ...c.headers };
    const token = c.token === undefined ? VOICE_TOKEN : c.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined = c.raw;
    if (body === undefined && c.body !== undefined) {
      body = JSON.stringify(c.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${url}${path}`, {
      method: c.method ?? (body === undefined ? "GET" : "POST"),
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  return {
    db,
    url,
    adapter,
    dispatcher,
    logger,
    call,
    async task(n) {
      const r = await db.sql.query<{ status: string; title: string; due_at: Date | null }>(
        "SELECT status, title, due_at FROM tasks WHERE number = $1",
        [n],
      );
      return r.rows[0];
    },
    async taskCount() {
      const r = await db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM tasks");
      return r.rows[0]?.n ?? 0;
    },
    async close() {
      controller.abort();
      await adapter.stop();
      await app.close();
      await db.drop();
    },
  };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** What a speech engine can say: no markdown, links, ids or emoji, and short. */
export function expectSpeakable(speech: string): void {
  const problems: string[] = [];
  if (speech.trim().length === 0) problems.push("empty");
  if (/[*_`#>|[\]{}<>\\~]/.test(speech)) problems.push("markdown");
  if (/https?:\/\/|www\./i.test(speech)) problems.push("url");
  if (UUID.test(speech)) problems.push("uuid");
  if (/\p{Extended_Pictographic}/u.test(speech)) problems.push("emoji");
  if (/^\s*(?:[-•]|\d+\.)\s/m.test(speech) || speech.includes("\n")) problems.push("list");
  const words = speech.split(/\s+/).filter(Boolean).length;
  if (words > 75) problems.push(`${words} words`);
  if ((speech.match(/\?/g) ?? []).length > 3) problems.push("more than three questions");
  if (problems.length > 0) throw new Error(`not speakable (${problems.join(", ")}): ${speech}`);
}

/** Around the real dispatcher: hold() keeps every turn waiting until release(). */
export function gate(inner: Dispatcher) {
  let held: Promise<void> | undefined;
  let open = () => {};
  let waiting = 0;
  const dispatcher: Dispatcher = {
    async handle(u) {
      waiting++;
      try {
        if (held) await held;
      } finally {
        waiting--;
      }
      return inner.handle(u);
    },
  };
  return {
    dispatcher,
    waiting: () => waiting,
    hold() {
      held = new Promise<void>((r) => {
        open = () => {
          held = undefined;
          r();
        };
      });
    },
    release: () => open(),
  };
}
