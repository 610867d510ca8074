import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "nats";
import { afterAll, describe, expect, it } from "vitest";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram-bot-api.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";
import { freePort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";

const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const OWNER = 4242;
const MESSAGES = 500;
/** one message every PACE_MS; groups spread them so Telegram's one-per-second-per-chat pacing is not the bottleneck */
const PACE_MS = 90;
const GROUPS = 30;
const TAKEOVER_BUDGET_MS = 15_000;

interface Instance {
  id: string;
  proc: ChildProcess;
  log: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe("two hub processes on one Postgres, Redis and NATS", () => {
  const tag = Math.random().toString(36).slice(2, 8);
  const stream = `MULTI_${tag}`;
  const dir = mkdtempSync(join(tmpdir(), "agentops-multi-"));
  const cleanups: (() => Promise<unknown>)[] = [];
  const instances: Instance[] = [];
  afterAll(async () => {
    for (const i of instances)
      if (i.proc.exitCode === null && i.proc.signalCode === null) i.proc.kill("SIGKILL");
    for (const c of cleanups.reverse()) await c().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  async function startInstance(id: string, db: TestDb, tg: FakeTelegram): Promise<Instance> {
    const port = await freePort();
    const log = join(dir, `${id}.log`);
    const out = createWriteStream(log);
    const proc = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "start"], {
      cwd: join(import.meta.dirname, "../.."),
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? dir,
        DATA_DIR: join(dir, id),
        DATABASE_URL: db.url,
        REDIS_URL,
        REDIS_KEY_PREFIX: `multi-${tag}:`,
        NATS_URL,
        NATS_STREAM: stream,
        NATS_SUBJECT_PREFIX: `multi${tag}`,
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_API_ROOT: tg.apiRoot,
        OWNER_TELEGRAM_IDS: String(OWNER),
        INSTANCE_ID: id,
        HOST: "127.0.0.1",
        PORT: String(port),
        AGENTOPS_ADMIN_KEY: "test-admin-key-0123456789",
        LOG_LEVEL: "info",
      },
    });
    proc.stdout?.pipe(out);
    proc.stderr?.pipe(out);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const inst = { id, proc, log, exited };
    instances.push(inst);
    await waitFor(() => readFileSync(log, "utf8").includes("AgentOps hub is running"), {
      what: `${id} to start; its log:\n${tail(log)}`,
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    return inst;
  }

  it("answers 500 messages exactly once while the polling instance is killed half way", async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const tg = await startFakeTelegram();
    cleanups.push(() => tg.close());
    cleanups.push(async () => {
      const nc = await connect({ servers: NATS_URL });
      await (await nc.jetstreamManager()).streams.delete(stream).catch(() => {});
      await nc.close();
    });

    const a = await startInstance(`multi-a-${tag}`, db, tg);
    const b = await startInstance(`multi-b-${tag}`, db, tg);
    const holder = async () =>
      (
        await db.sql.query<{ holder: string }>(
          "SELECT holder FROM singleton_leases WHERE name LIKE 'telegram:%' AND expires_at > now()",
        )
      ).rows[0]?.holder;
    const pollerId = await waitFor(holder, { what: "a telegram poller", timeoutMs: 20_000 });
    const poller = pollerId === a.id ? a : b;
    const survivor = poller === a ? b : a;

    const botName = tg.bot.username;
    /** message_id of each pushed message → N */
    const pushed = new Map<number, number>();
    const allAnswered = () => {
      const answered = new Set(tg.sent.map((m) => m.reply_to));
      return [...pushed.keys()].every((id) => answered.has(id));
    };
    let killedAt = 0;
    const started = Date.now();
    for (let n = 1; n <= MESSAGES; n++) {
      // Steady pace on a schedule: a late step is caught up, never slept through twice.
      const due = started + (n - 1) * PACE_MS;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      if (n === MESSAGES / 2 + 1) {
        // Between two messages: every one before is answered, the poller holds nothing in hand.
        // (A reply it was sending as it died may go out twice: Telegram's sendMessage has no
        // idempotency key, and a killed process cannot know whether its last send arrived.)
        await waitFor(allAnswered, {
          what: `the first ${n - 1} answered before the kill`,
          timeoutMs: 15_000,
        });
        poller.proc.kill("SIGKILL");
        killedAt = Date.now();
        await poller.exited;
      }
      const chat = -1_000_000 - (n % GROUPS);
      const u = tg.pushText(chat, OWNER, `@${botName} add a task to check item ${n}`, { chatType: "group" });
      if (u.message) pushed.set(u.message.message_id, n);
    }

    // Each one answered (a count of replies would also be reached by one answered twice).
    await waitFor(allAnswered, {
      what: `${MESSAGES} replies (have ${tg.sent.length}); survivor log:\n${tail(survivor.log)}`,
      timeoutMs: 60_000,
      intervalMs: 100,
    });

    const firstAfter = tg.sent.find((m) => m.at > killedAt);
    const takeoverMs = (firstAfter?.at ?? Number.POSITIVE_INFINITY) - killedAt;
    console.log(`telegram takeover after SIGKILL: ${takeoverMs} ms (first reply by the survivor)`);
    expect(takeoverMs).toBeLessThanOrEqual(TAKEOVER_BUDGET_MS);

    // Each message answered exactly once, as a reply to it, saying its own task.
    const replies = new Map<number, string[]>();
    for (const m of tg.sent) {
      if (m.reply_to === undefined || !pushed.has(m.reply_to)) continue;
      replies.set(m.reply_to, [...(replies.get(m.reply_to) ?? []), m.plain]);
    }
    const unanswered = [...pushed].filter(([id]) => !replies.has(id)).map(([, n]) => n);
    const twice = [...replies].filter(([, r]) => r.length !== 1).map(([id]) => pushed.get(id));
    expect(unanswered).toEqual([]);
    expect(twice).toEqual([]);
    for (const [id, [text]] of replies) expect(text).toContain(`check item ${pushed.get(id)}`);

    // None lost, none twice: 500 tasks, one per message (the schema's seed task aside).
    const tasks = await db.sql.query<{ title: string; n: number }>(
      "SELECT title, count(*)::int AS n FROM tasks WHERE title LIKE 'check item %' GROUP BY title",
    );
    expect(tasks.rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(tasks.rows.length).toBe(MESSAGES);
    const titles = new Set(tasks.rows.map((r) => r.title));
    for (let n = 1; n <= MESSAGES; n++) expect(titles.has(`check item ${n}`)).toBe(true);

    survivor.proc.kill("SIGTERM");
    const end = await survivor.exited;
    expect(end, tail(survivor.log)).toEqual({ code: 0, signal: null });
  }, 180_000);
});

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
