/**
 * The conversation side: the rules parser (throughput, p50/p99 per call, accuracy per intent on
 * the labelled set) and the dispatcher's round trip from utterance to reply on real Postgres.
 * Run alone with `npx tsx bench/conversation.ts`.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseUtterance, warmUpParser } from "../intents/index.ts";
import type { ParseOptions } from "../intents/types.ts";
import { createDispatcher } from "../src/conversation/dispatcher.ts";
import { createRulesParser } from "../src/conversation/parser.ts";
import { migrate } from "../src/db/migrate.ts";
import { createPostgresSql } from "../src/db/postgres.ts";
import { createLogger } from "../src/logger.ts";
import { freshDatabase, percentile } from "./bench-db.ts";

interface Line {
  text: string;
  channel?: ParseOptions["channel"];
  now?: string;
  tz?: string;
  expect: { intent: string };
}

const ms = (ns: bigint) => Number(ns) / 1e6;

export async function runParser(rounds = 20) {
  const lines = readFileSync(new URL("../test/intents/utterances.jsonl", import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Line);
  warmUpParser();
  const times: number[] = [];
  const perIntent = new Map<string, { n: number; ok: number }>();
  for (let r = 0; r < rounds; r++) {
    for (const l of lines) {
      const opts: ParseOptions = {
        ...(l.channel ? { channel: l.channel } : {}),
        ...(l.now ? { now: new Date(l.now) } : {}),
        ...(l.tz ? { timeZone: l.tz } : {}),
      };
      const t0 = process.hrtime.bigint();
      const got = parseUtterance(l.text, opts);
      times.push(ms(process.hrtime.bigint() - t0));
      if (r === 0) {
        const s = perIntent.get(l.expect.intent) ?? { n: 0, ok: 0 };
        s.n += 1;
        if (got.intent === l.expect.intent) s.ok += 1;
        perIntent.set(l.expect.intent, s);
      }
    }
  }
  times.sort((a, b) => a - b);
  const total = times.reduce((a, b) => a + b, 0);
  console.log(`\nParser (rules only), ${lines.length} labelled utterances x ${rounds}`);
  console.log(
    `  throughput ${(times.length / (total / 1000)).toFixed(0)}/s  p50 ${percentile(times, 50).toFixed(3)} ms  p99 ${percentile(times, 99).toFixed(3)} ms (target p99 < 1 ms)`,
  );
  console.log("  accuracy per intent on the labelled set:");
  for (const [intent, s] of [...perIntent].sort()) {
    console.log(`    ${intent.padEnd(18)} ${((100 * s.ok) / s.n).toFixed(1).padStart(5)}%  (${s.n})`);
  }
}

export async function runDispatcher(count = 400) {
  const db = await freshDatabase("conversation");
  const sql = createPostgresSql(db.url, { max: 10 });
  try {
    await migrate(sql);
    const dispatcher = createDispatcher({
      sql,
      parser: createRulesParser(),
      logger: createLogger({ level: "silent" }),
      config: {
        owner: { name: undefined, telegramIds: ["1"], discordIds: [], emails: [], phones: [] },
        timeZone: "UTC",
        leaseSeconds: 300,
        maxAttempts: 3,
        agentOfflineSeconds: 120,
        voice: { minConfidence: 0.6 },
      },
    });
    const say = (text: string) =>
      dispatcher.handle({
        channel: "telegram",
        sender: "1",
        conversation: "1",
        text,
        messageId: randomUUID(),
        receivedAt: new Date(),
      });
    const script = [
      (i: number) => `add a task to write report ${i}, high priority`,
      () => "make it urgent",
      () => "what's still open",
      () => "how is it doing",
    ];
    await say("hello");
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const line = script[i % script.length]?.(i) ?? "help";
      const t0 = process.hrtime.bigint();
      await say(line);
      times.push(ms(process.hrtime.bigint() - t0));
    }
    times.sort((a, b) => a - b);
    console.log(`\nDispatcher round trip on PostgreSQL (utterance to reply), ${count} turns`);
    console.log(`  p50 ${percentile(times, 50).toFixed(1)} ms  p99 ${percentile(times, 99).toFixed(1)} ms`);
  } finally {
    await sql.close();
    await db.drop();
  }
}

export async function run() {
  await runParser();
  await runDispatcher();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
  process.exit(0);
}
