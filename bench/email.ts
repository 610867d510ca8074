/**
 * Email end to end: a mail delivered into a real (throwaway) Dovecot over LMTP → the hub's IMAP
 * watcher → the dispatcher on real PostgreSQL (a task is created) → the threaded answer arriving
 * at an SMTP sink. p50/p99/max per mail at a steady pace, and each mail answered exactly once
 * (In-Reply-To its Message-ID), its task created exactly once.
 *
 * The hub is configured from the environment as `start` builds it (IMAP_URL, SMTP_URL,
 * EMAIL_FROM, OWNER_EMAILS; default timings). The adapter answers a sender at most 10 times in
 * 10 minutes, so the mails come from 25 owner addresses, 8 each: the benchmark measures the
 * pipeline, not that limit. Run alone with `npx tsx bench/email.ts [mails]`.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { buildChannelAdapters } from "../src/hub/channels.ts";
import { createHub, type Hub } from "../src/hub/hub.ts";
import { createLogger } from "../src/logger.ts";
import { type Dovecot, startDovecot } from "../test/fakes/dovecot.ts";
import { type SmtpSink, startSmtpSink } from "../test/fakes/smtp-sink.ts";
import { type BenchDb, freshDatabase, percentile } from "./bench-db.ts";

export interface EmailBenchOptions {
  /** mails delivered (200) */
  mails?: number;
  /** delivered per second (5) */
  perSecond?: number;
}

const HUB_FROM = "AgentOps <hub@agentops.test>";
/** the adapter's own limit is 10 answers per sender per 10 minutes: stay under it */
const PER_SENDER = 8;
/** after the last delivery, how long to wait for the remaining answers */
const DRAIN_MS = 60_000;
const WARMUP = 3;
const ADMIN_KEY = "bench-admin-key-0123456789";

const f1 = (x: number) => x.toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sender = (i: number) => `owner${Math.floor(i / PER_SENDER)}@bench.example.com`;

export async function run(opts: EmailBenchOptions = {}) {
  const mails = opts.mails ?? 200;
  const perSecond = opts.perSecond ?? 5;
  const senders = Math.ceil((mails + WARMUP) / PER_SENDER);
  console.log(
    `\nEmail: LMTP delivery into Dovecot → task created → answer in the SMTP sink, ${mails} mails at ${perSecond}/s, ` +
      `no LLM, PostgreSQL`,
  );
  console.log(
    `  ${senders} owner addresses, ${PER_SENDER} mails each (the adapter answers a sender at most 10 times in 10 min)`,
  );
  console.log(
    `  load average at start ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );

  let dovecot: Dovecot | undefined;
  let sink: SmtpSink | undefined;
  let db: BenchDb | undefined;
  let hub: Hub | undefined;
  const dir = await mkdtemp(join(tmpdir(), "agentops-bench-email-"));
  try {
    [dovecot, sink, db] = await Promise.all([startDovecot(), startSmtpSink(), freshDatabase("email")]);
    const config = loadConfig(
      {
        DATA_DIR: dir,
        DATABASE_URL: db.url,
        HOST: "127.0.0.1",
        PORT: "0",
        LOG_LEVEL: "silent",
        AGENTOPS_ADMIN_KEY: ADMIN_KEY,
        INSTANCE_ID: `bench-email-${randomUUID().slice(0, 8)}`,
        IMAP_URL: dovecot.imapUrl,
        SMTP_URL: sink.url,
        EMAIL_FROM: HUB_FROM,
        OWNER_EMAILS: Array.from({ length: senders }, (_, s) => sender(s * PER_SENDER)).join(","),
      },
      { dotenv: false },
    );
    hub = createHub(config, createLogger({ level: "silent" }), {
      listen: false,
      channelAdapters: buildChannelAdapters,
    });
    await hub.start();
    const d = dovecot;
    const s = sink;

    // answers as they land in the sink, timed by a 2 ms scan of its list
    const answers = new Map<string, { at: number; subject: string; text: string }[]>();
    let seen = 0;
    let other = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const now = performance.now();
        for (; seen < s.mails.length; seen++) {
          const m = s.mails[seen];
          if (!m) continue;
          if (m.inReplyTo === undefined) {
            other += 1;
            continue;
          }
          const list = answers.get(m.inReplyTo) ?? [];
          list.push({ at: now, subject: m.subject, text: m.text });
          answers.set(m.inReplyTo, list);
        }
        await sleep(2);
      }
    })();
    const waitAnswer = async (id: string, timeoutMs: number) => {
      const end = performance.now() + timeoutMs;
      while (!answers.has(id)) {
        if (performance.now() > end) throw new Error(`no answer to ${id} within ${timeoutMs} ms`);
        await sleep(10);
      }
    };

    // Warm-up, not counted: the IMAP session, the SMTP connection, the pool.
    for (let w = 0; w < WARMUP; w++) {
      const id = `warmup-${w}-${randomUUID()}@mail.example.com`;
      await d.deliver({
        from: sender(mails + w),
        subject: `Warm up ${w}`,
        messageId: `<${id}>`,
        text: "warm-up",
      });
      await waitAnswer(id, 30_000);
    }

    /** Message-ID → n, and when the LMTP delivery was done (the mail is in INBOX) */
    const sent = new Map<string, { n: number; at: number; lmtpMs: number }>();
    const failed: string[] = [];
    const deliveries: Promise<void>[] = [];
    const start = performance.now();
    for (let i = 0; i < mails; i++) {
      const due = start + (i * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const n = i + 1;
      const id = `bench-${n}-${randomUUID()}@mail.example.com`;
      const t0 = performance.now();
      deliveries.push(
        d
          .deliver({
            from: `Owner ${Math.floor(i / PER_SENDER)} <${sender(i)}>`,
            subject: `Prepare the report for client ${n}`,
            messageId: `<${id}>`,
            text: `Benchmark mail ${n}.\n`,
          })
          .then(() => {
            const at = performance.now();
            sent.set(id, { n, at, lmtpMs: at - t0 });
          })
          .catch((e: unknown) => {
            failed.push(`${n}: ${(e as Error).message}`);
          }),
      );
    }
    await Promise.all(deliveries);
    const deliverSeconds = (performance.now() - start) / 1000;

    // Bounded: every mail answered, or no new answer for 20 s, or the drain budget spent.
    const answered = () => [...sent.keys()].filter((id) => answers.has(id)).length;
    const drainStart = performance.now();
    let last = -1;
    let lastChange = performance.now();
    while (answered() < sent.size && performance.now() - drainStart < DRAIN_MS) {
      const a = answered();
      if (a !== last) {
        last = a;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > 20_000) break;
      await sleep(50);
    }
    await sleep(1_000); // a late second answer would show up here
    watching = false;
    await watcher;

    const tasks = await hub.sql.query<{ title: string; n: number; number: number }>(
      `SELECT title, count(*)::int AS n, min(number)::int AS number FROM tasks
       WHERE title LIKE 'Prepare the report for client %' GROUP BY title`,
    );
    const badTasks =
      mails - tasks.rows.filter((r) => r.n === 1).length + tasks.rows.filter((r) => r.n !== 1).length;
    /** mail n → the number of its task */
    const numbers = new Map(tasks.rows.map((r) => [Number(r.title.split(" ").at(-1)), r.number]));

    const times: number[] = [];
    const lmtp: number[] = [];
    let lost = 0;
    let doubled = 0;
    let wrong = 0;
    let lastAnswer = start;
    for (const [id, m] of sent) {
      lmtp.push(m.lmtpMs);
      const a = answers.get(id);
      const first = a?.[0];
      if (!a || !first) {
        lost += 1;
        continue;
      }
      if (a.length > 1) doubled += 1;
      const named = Number(/task (\d+)/i.exec(first.text)?.[1]);
      if (first.subject !== `Re: Prepare the report for client ${m.n}` || numbers.get(m.n) !== named)
        wrong += 1;
      times.push(first.at - m.at);
      lastAnswer = Math.max(lastAnswer, first.at);
    }
    times.sort((a, b) => a - b);
    lmtp.sort((a, b) => a - b);
    const seconds = (lastAnswer - start) / 1000;
    console.log(
      `  delivered ${sent.size} in ${deliverSeconds.toFixed(1)} s (LMTP p50 ${f1(percentile(lmtp, 50))} ms), ` +
        `last answer at ${seconds.toFixed(1)} s (${(times.length / seconds).toFixed(1)} answers/s)`,
    );
    console.log(
      `  delivered → answer in sink  p50 ${f1(percentile(times, 50))} ms  p99 ${f1(percentile(times, 99))} ms  max ${f1(times.at(-1) ?? 0)} ms`,
    );
    console.log(
      `  lost ${lost + failed.length}  answered twice ${doubled}  answer not naming its own task ${wrong}  task rows not 1 per mail ${badTasks}` +
        (other > 0 ? `  (other mails from the hub: ${other})` : ""),
    );
    for (const f of failed.slice(0, 5)) console.log(`  delivery failed: ${f}`);
    const intact = lost === 0 && failed.length === 0 && doubled === 0 && wrong === 0 && badTasks === 0;
    console.log(
      `  verdict: ${intact ? "every mail answered exactly once, one task each" : "FAIL: mails lost, answered twice or wrongly"}`,
    );
  } finally {
    await hub?.stop().catch(() => {});
    await Promise.all([
      dovecot?.stop().catch(() => {}),
      sink?.stop().catch(() => {}),
      db?.drop().catch((e: unknown) => console.error(`  could not drop the bench database: ${e}`)),
      rm(dir, { recursive: true, force: true }),
    ]);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  await run(count === undefined ? {} : { mails: count });
  process.exit(0);
}
