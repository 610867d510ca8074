/**
 * The voice channel's latency on `POST /v1/chat/completions` with `stream: true`: time to the
 * first streamed chunk (the role chunk), to the first words, and to the whole answer, over
 * `count` requests from 20 concurrent sessions (after a warm-up that is not counted). The rules
 * parser, no LLM; a fresh database of the local Postgres; the hub in a child process.
 *
 *   npx tsx bench/voice.ts [count=1000]
 */
import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { createVoiceAdapter } from "../adapters/voice/adapter.ts";
import { createDispatcher } from "../src/conversation/dispatcher.ts";
import { createRulesParser } from "../src/conversation/parser.ts";
import { migrate } from "../src/db/migrate.ts";
import { createPostgresSql } from "../src/db/postgres.ts";
import { createLocalEventBus } from "../src/events/local-bus.ts";
import { createHttpApp } from "../src/http/app.ts";
import { createMemoryRateLimiter } from "../src/infra/memory-rate-limiter.ts";
import { createLogger } from "../src/logger.ts";
import { freshDatabase, percentile } from "./bench-db.ts";

const TOKEN = "bench-voice-token-0123456789abcdef";
const SAYINGS = [
  "um add a task to call the bank tomorrow",
  "what's still open",
  "brief me",
  "uh who is working right now",
  "add a task to draft the launch email high priority",
  "what can you do",
];

export interface VoiceBenchResult {
  count: number;
  sessions: number;
  seconds: number;
  firstChunkP50Ms: number;
  firstChunkP99Ms: number;
  firstWordsP50Ms: number;
  firstWordsP99Ms: number;
  fullP50Ms: number;
  fullP99Ms: number;
  errors: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

interface Timing {
  firstChunk: number;
  firstWords: number;
  full: number;
  answer: string;
}

function streamOnce(agent: http.Agent, port: number, session: string, messages: unknown[]): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ model: "agentops-cos", stream: true, messages });
    const started = performance.now();
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/v1/chat/completions",
        method: "POST",
        agent,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-session-id": session,
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`HTTP ${res.statusCode}`));
          return;
        }
        let firstChunk = 0;
        let firstWords = 0;
        let buffer = "";
        let answer = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          const at = performance.now() - started;
          if (!firstChunk) firstChunk = at;
          buffer += d;
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf("\n\n");
            if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
            const content = JSON.parse(event.slice(6)).choices?.[0]?.delta?.content;
            if (typeof content === "string" && content.length > 0) {
              if (!firstWords) firstWords = at;
              answer += content;
            }
          }
        });
        res.on("end", () => resolve({ firstChunk, firstWords, full: performance.now() - started, answer }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** The hub side, in a process of its own: prints {"port": ...} once listening, stops on SIGTERM. */
async function serve(databaseUrl: string) {
  const sql = createPostgresSql(databaseUrl, { max: 30 });
  const logger = createLogger({ level: "warn" });
  await migrate(sql);
  const dispatcher = createDispatcher({
    sql,
    parser: createRulesParser(),
    logger,
    config: {
      owner: { name: "Bench", telegramIds: [], discordIds: [], emails: [], phones: ["+33600000000"] },
      timeZone: "Europe/Paris",
      leaseSeconds: 300,
      maxAttempts: 3,
      agentOfflineSeconds: 120,
      voice: { minConfidence: 0.6 },
    },
  });
  const app = createHttpApp({
    sql,
    config: {
      adminKey: undefined,
      bodyLimitBytes: 1_048_576,
      rateLimitPerMinute: 10_000_000,
      leaseSeconds: 300,
      maxAttempts: 3,
      agentOfflineSeconds: 120,
    },
    logger,
    rateLimiter: createMemoryRateLimiter(),
    bus: createLocalEventBus(logger),
  });
  const adapter = createVoiceAdapter(
    {
      voice: { token: TOKEN, minConfidence: 0.6, twilioAuthToken: undefined },
      deepgram: { apiKey: undefined, baseUrl: undefined },
      publicUrl: undefined,
      bodyLimitBytes: 1_048_576,
      owner: { phones: ["+33600000000"] },
    },
    { sql, logger },
  );
  await adapter.routes?.(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as { port: number }).port;
  await adapter.start({ dispatcher, logger, signal: new AbortController().signal });
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.once("SIGTERM", async () => {
    await adapter.stop();
    await app.close();
    await sql.close();
    process.exit(0);
  });
}

function startServer(databaseUrl: string): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "serve"], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buf = "";
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      const line = buf.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve({ port: (JSON.parse(line) as { port: number }).port, child });
    });
    child.once("exit", (code) => reject(new Error(`voice hub exited with ${code}`)));
  });
}

export async function run(opts: { count?: number; sessions?: number } = {}): Promise<VoiceBenchResult> {
  const count = opts.count ?? 1000;
  const sessions = opts.sessions ?? 20;
  const db = await freshDatabase("voice");
  const { port, child } = await startServer(db.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: sessions });

  let timings: Timing[] = [];
  let errors = 0;
  let started = 0;
  /** `total` turns spread over the sessions, each session one turn after the other */
  const load = async (total: number, label: string) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: sessions }, async (_, s) => {
        const history: { role: string; content: string }[] = [
          { role: "system", content: "Voice assistant." },
        ];
        for (let turn = 0; ; turn++) {
          if (next >= total) return;
          next++;
          history.push({ role: "user", content: SAYINGS[(s + turn) % SAYINGS.length] ?? "brief me" });
          try {
            const t = await streamOnce(agent, port, `${label}-${s}`, history.slice(-12));
            timings.push(t);
            history.push({ role: "assistant", content: t.answer });
          } catch {
            errors++;
            history.pop();
          }
        }
      }),
    );
  };
  try {
    // Warm-up, not measured: database connections, the parser's first parses, the JIT.
    await load(sessions * SAYINGS.length, "warm");
    timings = [];
    errors = 0;
    started = performance.now();
    await load(count, "bench");
  } finally {
    agent.destroy();
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
    await db.drop();
  }
  const seconds = (performance.now() - started) / 1000;
  const sorted = (f: (t: Timing) => number) => timings.map(f).sort((a, b) => a - b);
  const [fc, fw, full] = [sorted((t) => t.firstChunk), sorted((t) => t.firstWords), sorted((t) => t.full)];
  const result: VoiceBenchResult = {
    count: timings.length,
    sessions,
    seconds: round(seconds),
    firstChunkP50Ms: round(percentile(fc, 50)),
    firstChunkP99Ms: round(percentile(fc, 99)),
    firstWordsP50Ms: round(percentile(fw, 50)),
    firstWordsP99Ms: round(percentile(fw, 99)),
    fullP50Ms: round(percentile(full, 50)),
    fullP99Ms: round(percentile(full, 99)),
    errors,
  };
  console.log(
    `\nvoice: POST /v1/chat/completions, stream, ${result.count} requests, ${sessions} sessions, ${result.seconds} s`,
  );
  console.table({
    "first chunk (role)": { p50_ms: result.firstChunkP50Ms, p99_ms: result.firstChunkP99Ms },
    "first words": { p50_ms: result.firstWordsP50Ms, p99_ms: result.firstWordsP99Ms },
    "full answer": { p50_ms: result.fullP50Ms, p99_ms: result.fullP99Ms },
  });
  if (errors > 0) console.log(`errors: ${errors}`);
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "serve") {
  await serve(process.env.DATABASE_URL ?? "");
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  await run(count === undefined ? {} : { count });
  process.exit(0);
}
