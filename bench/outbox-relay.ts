/**
 * How fast the outbox relay empties a backlog of `count` committed events: to this process's
 * own consumers only (no NATS), and to NATS JetStream with every event acked, side by side on
 * fresh databases of the local Postgres. Agents that complete in batches write tens of thousands
 * of events a second (`core-claim`): a relay slower than that falls behind for as long as they run.
 *
 *   npx tsx bench/outbox-relay.ts [count=20000]
 *
 * NATS from BENCH_NATS_URL (default nats://127.0.0.1:4222), in a stream of the bench's own that
 * is deleted afterwards.
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { connect } from "nats";
import { migrate } from "../src/db/migrate.ts";
import { createPostgresSql } from "../src/db/postgres.ts";
import { createLocalEventBus } from "../src/events/local-bus.ts";
import { createMemoryPublisher } from "../src/events/memory-publisher.ts";
import { createNatsPublisher } from "../src/events/nats-publisher.ts";
import { createOutboxRelay } from "../src/events/outbox-relay.ts";
import type { EventPublisher } from "../src/events/types.ts";
import { createLogger } from "../src/logger.ts";
import { freshDatabase, printTable } from "./bench-db.ts";

const NATS_URL = process.env.BENCH_NATS_URL ?? "nats://127.0.0.1:4222";

export interface RelayResult {
  target: string;
  count: number;
  seconds: number;
  perSecond: number;
  batches: number;
}

export interface RelayBenchReport {
  results: RelayResult[];
  /** JetStream's rate over the in-process one */
  natsVsInProcess: number;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

async function drainBacklog(
  target: string,
  count: number,
  makePublisher: () => EventPublisher,
): Promise<RelayResult> {
  const db = await freshDatabase("relay");
  const sql = createPostgresSql(db.url, { max: 4 });
  const logger = createLogger({ level: "warn" });
  const publisher = makePublisher();
  try {
    await migrate(sql);
    // Events as the hub writes them for a completed task: a task payload and its actor.
    await sql.query(
      `INSERT INTO events (event_type, entity_type, entity_id, actor, payload)
       SELECT 'task.completed', 'task', gen_random_uuid()::text, 'bench-agent',
              jsonb_build_object('number', g, 'title', 'bench task ' || g, 'status', 'completed',
                                 'priority', 50, 'project', NULL, 'assigned_to', NULL,
                                 'result', jsonb_build_object('ok', true),
                                 'actor', jsonb_build_object('kind', 'agent', 'name', 'bench-agent'))
       FROM generate_series(1, $1) g`,
      [count],
    );
    const bus = createLocalEventBus(logger);
    let delivered = 0;
    bus.subscribe(() => {
      delivered += 1;
    });
    const relay = createOutboxRelay({ sql, publisher, bus, logger });
    const started = performance.now();
    await relay.drain(300_000);
    const seconds = (performance.now() - started) / 1000;
    if (delivered !== count) throw new Error(`${target}: delivered ${delivered} of ${count}`);
    return {
      target,
      count,
      seconds: round(seconds),
      perSecond: Math.round(count / seconds),
      batches: relay.counters().batches,
    };
  } finally {
    await publisher.close();
    await sql.close();
    await db.drop();
  }
}

export async function run(opts: { count?: number; print?: boolean } = {}): Promise<RelayBenchReport> {
  const count = opts.count ?? 20_000;
  const tag = Math.random().toString(36).slice(2, 8);
  const stream = `BENCH_RELAY_${tag}`;
  const logger = createLogger({ level: "warn" });
  const inProcess = await drainBacklog("in-process consumers only (no NATS)", count, createMemoryPublisher);
  const nats = await drainBacklog("NATS JetStream, every event acked", count, () =>
    createNatsPublisher(
      {
        natsUrl: NATS_URL,
        natsCredsFile: undefined,
        natsStream: stream,
        natsSubjectPrefix: `benchrelay${tag}`,
      },
      logger,
    ),
  );
  const nc = await connect({ servers: NATS_URL });
  await (await nc.jetstreamManager()).streams.delete(stream).catch(() => {});
  await nc.close();
  const report = { results: [inProcess, nats], natsVsInProcess: round(nats.perSecond / inProcess.perSecond) };
  if (opts.print !== false) print(report);
  return report;
}

function print(r: RelayBenchReport) {
  console.log(
    `\noutbox relay: a backlog of ${r.results[0]?.count} events, published in order` +
      `  (load average at start ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")})\n`,
  );
  const rows = r.results.map((x) => [x.target, `${x.perSecond}/s`, `${x.seconds}s`, String(x.batches)]);
  const head = ["to", "events", "time", "batches"];
  printTable(head, rows);
  console.log(`\nJetStream / in-process: ${r.natsVsInProcess}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const count = Number(process.argv[2] ?? 20_000);
  if (!Number.isInteger(count) || count < 1) {
    console.error("usage: tsx bench/outbox-relay.ts [count]");
    process.exit(2);
  }
  await run({ count });
  process.exit(0);
}
