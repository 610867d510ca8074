/**
 * Telegram end to end: a message pushed into the fake Bot API → the hub's long poll → the
 * dispatcher on real PostgreSQL → the reply arriving back at the fake, at a steady 50 messages a
 * second, spread over many group chats (Telegram's ~1 message/s per chat would otherwise be the
 * whole story). p50/p99/max per message, lost and doubled replies, and the dispatcher alone on
 * the same messages at the same pace, so the adapter's share is visible.
 *
 * Passes:
 *  1. the dispatcher alone (a hub with no channel, its dispatcher called directly);
 *  2. the hub as configured from the environment: the Telegram adapter's production pacing,
 *     which includes Telegram's global limit of 30 messages a second;
 *  3. the same hub with that global limit lifted (the fake does not enforce it): what the
 *     adapter itself costs at 50/s.
 *
 * Run alone with `npx tsx bench/telegram.ts [messages]`.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createTelegramAdapter } from "../adapters/telegram/index.ts";
import { type Config, loadConfig } from "../src/config.ts";
import { buildChannelAdapters } from "../src/hub/channels.ts";
import { createHub, type Hub, type HubOptions } from "../src/hub/hub.ts";
import { createLogger } from "../src/logger.ts";
import { type FakeTelegram, type SentMessage, startFakeTelegram } from "../test/fakes/telegram-bot-api.ts";
import { freshDatabase, percentile } from "./bench-db.ts";

export interface TelegramBenchOptions {
  /** messages per pass (1,000) */
  messages?: number;
  /** pushed per second (50) */
  perSecond?: number;
  /** group chats the messages rotate over (64; at least 60 so no chat gets more than ~1/s) */
  chats?: number;
  /** also run the pass with Telegram's global 30/s pacing lifted (true) */
  lifted?: boolean;
}

const OWNER = 4242;
const TARGET_P99_MS = 50;
/** after the last push, how long to wait for the remaining replies */
const DRAIN_MS = 60_000;
/** messages before the measured ones, in chats of their own */
const WARMUP = 5;
const WARMUP_CHAT = -2_000_000;
const ADMIN_KEY = "bench-admin-key-0123456789";

interface Stats {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

const stats = (times: number[]): Stats => {
  const s = [...times].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? 0 };
};
const f1 = (x: number) => x.toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** waits until `due` (a performance.now() time): a late step is caught up, never slept through twice */
const until = async (due: number) => {
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
};
type ChannelBuilder = NonNullable<HubOptions["channelAdapters"]>;
const chatOf = (i: number, chats: number) => -1_000_000 - (i % chats);

function hubConfig(dir: string, dbUrl: string, tg?: FakeTelegram): Config {
  return loadConfig(
    {
      DATA_DIR: dir,
      DATABASE_URL: dbUrl,
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "silent",
      AGENTOPS_ADMIN_KEY: ADMIN_KEY,
      INSTANCE_ID: `bench-tg-${randomUUID().slice(0, 8)}`,
      OWNER_TELEGRAM_IDS: String(OWNER),
      ...(tg ? { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot } : {}),
    },
    { dotenv: false },
  );
}

/** A hub on a fresh database and a temp DATA_DIR; `fn` gets it started, everything is removed after. */
async function withHub<T>(
  label: string,
  tg: FakeTelegram | undefined,
  channelAdapters: ChannelBuilder | undefined,
  fn: (hub: Hub) => Promise<T>,
): Promise<T> {
  const db = await freshDatabase(label);
  const dir = await mkdtemp(join(tmpdir(), "agentops-bench-tg-"));
  const hub = createHub(hubConfig(dir, db.url, tg), createLogger({ level: "silent" }), {
    listen: false,
    ...(channelAdapters ? { channelAdapters } : {}),
  });
  try {
    await hub.start();
    return await fn(hub);
  } finally {
    await hub.stop().catch(() => {});
    await db.drop().catch((e: unknown) => console.error(`  could not drop the bench database: ${e}`));
    await rm(dir, { recursive: true, force: true });
  }
}

/** Pass 1: the same utterances the adapter would make, straight into the hub's dispatcher. */
async function dispatcherAlone(messages: number, perSecond: number, chats: number): Promise<Stats> {
  return withHub("tg_dispatcher", undefined, undefined, async (hub) => {
    for (let w = 0; w < WARMUP; w++) {
      const u = {
        channel: "telegram" as const,
        sender: String(OWNER),
        conversation: String(WARMUP_CHAT - w),
        text: `add a task to warm up ${w}`,
        messageId: `tg:${WARMUP_CHAT - w}:${w}`,
        receivedAt: new Date(),
      };
      await hub.dispatcher.handle(u);
    }
    // One at a time, in arrival order, as the long poll hands updates over: a message that
    // arrives while another is in hand waits, and that wait counts.
    const times: number[] = [];
    let chain: Promise<void> = Promise.resolve();
    const start = performance.now();
    for (let i = 0; i < messages; i++) {
      await until(start + (i * 1000) / perSecond);
      const chat = chatOf(i, chats);
      const u = {
        channel: "telegram" as const,
        sender: String(OWNER),
        conversation: String(chat),
        text: `add a task to check item ${i + 1}`,
        messageId: `tg:${chat}:${i + 1}`,
        receivedAt: new Date(),
        confirmsDelivery: true,
        context: { isGroup: true },
      };
      const arrived = performance.now();
      chain = chain.then(async () => {
        await hub.dispatcher.handle(u);
        times.push(performance.now() - arrived);
        await hub.dispatcher.delivered?.(u);
      });
    }
    await chain;
    return stats(times);
  });
}

interface TelegramPass extends Stats {
  label: string;
  lost: number;
  doubled: number;
  /** replies whose text does not name their own task */
  wrong: number;
  /** task rows for the messages that are not exactly one per message */
  badTasks: number;
  /** messages from the bot that were not a reply to a pushed message (notifications) */
  other: number;
  pushSeconds: number;
  seconds: number;
}

/** Passes 2 and 3: the hub with the Telegram adapter against the fake Bot API. */
async function throughTelegram(
  label: string,
  messages: number,
  perSecond: number,
  chats: number,
  globalPerSecond: number | undefined,
): Promise<TelegramPass> {
  const tg = await startFakeTelegram();
  try {
    // Without an override the hub builds its channels exactly as `start` does.
    const build: ChannelBuilder =
      globalPerSecond === undefined
        ? buildChannelAdapters
        : async (ctx) => [
            createTelegramAdapter(ctx.config, {
              sql: ctx.sql,
              logger: ctx.logger,
              tuning: { globalPerSecond },
            }),
          ];
    return await withHub(globalPerSecond === undefined ? "tg_prod" : "tg_lifted", tg, build, async (hub) => {
      await waitUntil(
        () => tg.calls.some((c) => c.method === "getUpdates"),
        10_000,
        "the hub's first getUpdates",
      );
      const bot = tg.bot.username;
      // Warm-up, not counted: the pool's connections, the first plans, the first sendMessage.
      for (let w = 0; w < WARMUP; w++) {
        const u = tg.pushText(WARMUP_CHAT - w, OWNER, `@${bot} add a task to warm up ${w}`, {
          chatType: "group",
        });
        const id = u.message?.message_id;
        await tg.waitForMessage((m) => m.reply_to === id, 10_000);
      }
      /** pushed message_id → [n, performance.now() at push] */
      const pushed = new Map<number, { n: number; at: number }>();
      const replies = new Map<number, { at: number; text: string }[]>();
      let other = 0;
      // One listener for every message the bot sends: the time is taken as the fake receives it.
      const SENTINEL = -42;
      const listening = tg
        .waitForMessage((m: SentMessage) => {
          if (m.chat_id === SENTINEL) return true;
          if (m.chat_id <= WARMUP_CHAT) return false;
          const at = performance.now();
          if (m.reply_to !== undefined && pushed.has(m.reply_to)) {
            const list = replies.get(m.reply_to) ?? [];
            list.push({ at, text: m.plain });
            replies.set(m.reply_to, list);
          } else other += 1;
          return false;
        }, 600_000)
        .catch(() => undefined);

      const start = performance.now();
      for (let i = 0; i < messages; i++) {
        await until(start + (i * 1000) / perSecond);
        const u = tg.pushText(chatOf(i, chats), OWNER, `@${bot} add a task to check item ${i + 1}`, {
          chatType: "group",
        });
        if (u.message) pushed.set(u.message.message_id, { n: i + 1, at: performance.now() });
      }
      const pushSeconds = (performance.now() - start) / 1000;
      // Bounded: every message answered, or no new reply for a while, or the drain budget spent.
      const drainStart = performance.now();
      let lastCount = -1;
      let lastChange = performance.now();
      while (replies.size < pushed.size && performance.now() - drainStart < DRAIN_MS) {
        if (replies.size !== lastCount) {
          lastCount = replies.size;
          lastChange = performance.now();
        } else if (performance.now() - lastChange > 15_000) break;
        await sleep(20);
      }
      await sleep(500); // a late duplicate would show up here
      const lastReply = Math.max(start, ...[...replies.values()].map((r) => r[0]?.at ?? start));
      const seconds = (lastReply - start) / 1000;
      await fetch(`${tg.apiRoot}/bot${tg.token}/sendMessage`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ chat_id: SENTINEL, text: "end of the benchmark" }),
      });
      await listening;

      const times: number[] = [];
      let lost = 0;
      let doubled = 0;
      let wrong = 0;
      for (const [id, p] of pushed) {
        const r = replies.get(id);
        const first = r?.[0];
        if (!r || !first) {
          lost += 1;
          continue;
        }
        if (r.length > 1) doubled += 1;
        if (!first.text.includes(`check item ${p.n}`)) wrong += 1;
        times.push(first.at - p.at);
      }
      const tasks = await hub.sql.query<{ title: string; n: number }>(
        "SELECT title, count(*)::int AS n FROM tasks WHERE title LIKE 'check item %' GROUP BY title",
      );
      const once = tasks.rows.filter((r) => r.n === 1).length;
      const badTasks = messages - once + tasks.rows.filter((r) => r.n !== 1).length;
      return { label, ...stats(times), lost, doubled, wrong, badTasks, other, pushSeconds, seconds };
    });
  } finally {
    await tg.close();
  }
}

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string) {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function report(p: TelegramPass, alone: Stats, perSecond: number) {
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}x` : "n/a");
  console.log(`\n  ${p.label}`);
  console.log(
    `    pushed ${p.n + p.lost} in ${p.pushSeconds.toFixed(1)} s, last reply at ${p.seconds.toFixed(1)} s ` +
      `(${(p.n / p.seconds).toFixed(1)} replies/s)`,
  );
  console.log(
    `    push → reply     p50 ${f1(p.p50).padStart(8)} ms  p99 ${f1(p.p99).padStart(8)} ms  max ${f1(p.max).padStart(8)} ms`,
  );
  console.log(
    `    dispatcher alone p50 ${f1(alone.p50).padStart(8)} ms  p99 ${f1(alone.p99).padStart(8)} ms  max ${f1(alone.max).padStart(8)} ms`,
  );
  console.log(
    `    ratio (telegram / dispatcher)  p50 ${ratio(p.p50, alone.p50)}  p99 ${ratio(p.p99, alone.p99)}`,
  );
  console.log(
    `    lost ${p.lost}  doubled ${p.doubled}  wrong task named ${p.wrong}  task rows not 1 per message ${p.badTasks}` +
      (p.other > 0 ? `  (other bot messages: ${p.other})` : ""),
  );
  const intact = p.lost === 0 && p.doubled === 0 && p.wrong === 0 && p.badTasks === 0;
  const fast = p.n > 0 && p.p99 < TARGET_P99_MS;
  console.log(
    `    verdict: ${fast && intact ? "PASS" : "FAIL"}: p99 ${f1(p.p99)} ms ${fast ? "<" : ">="} ${TARGET_P99_MS} ms target at ${perSecond}/s; ` +
      `${intact ? "none lost or doubled" : "messages lost, doubled or misanswered"}`,
  );
}

export async function run(opts: TelegramBenchOptions = {}) {
  const messages = opts.messages ?? 1_000;
  const perSecond = opts.perSecond ?? 50;
  const chats = Math.max(1, opts.chats ?? 64);
  const lifted = opts.lifted ?? true;
  console.log(
    `\nTelegram: push → reply through the fake Bot API, ${messages} owner messages at ${perSecond}/s, ` +
      `no LLM, PostgreSQL, polling mode`,
  );
  console.log(
    `  spread over ${chats} group chats, round robin: each chat gets one message every ` +
      `${((chats / perSecond) * 1000).toFixed(0)} ms (Telegram paces a chat at ~1 msg/s; fewer chats would measure that pacing)`,
  );
  console.log(
    `  load average at start ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} (a busy machine inflates every number below)`,
  );
  if (chats < perSecond)
    console.log(`  warning: fewer than ${perSecond} chats, per-chat pacing will queue replies`);

  const alone = await dispatcherAlone(messages, perSecond, chats);
  const prod = await throughTelegram(
    "hub as configured (adapter's production pacing, incl. Telegram's global 30 msg/s)",
    messages,
    perSecond,
    chats,
    undefined,
  );
  report(prod, alone, perSecond);
  if (lifted) {
    const free = await throughTelegram(
      "same hub, Telegram's global 30 msg/s pacing lifted (globalPerSecond 1000; the fake does not enforce it)",
      messages,
      perSecond,
      chats,
      1_000,
    );
    report(free, alone, perSecond);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  await run(count === undefined ? {} : { messages: count });
  process.exit(0);
}
