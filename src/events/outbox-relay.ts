import { type EventRow, eventFromRow } from "../core/rows.ts";
import type { HubEvent } from "../core/types.ts";
import type { Sql } from "../db/sql.ts";
import { HubError, isHubError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { LocalEventBus } from "./local-bus.ts";
import { abortableSleep } from "./sleep.ts";
import type { EventPublisher } from "./types.ts";
import { createWaker } from "./waker.ts";

/** Advisory lock held by whichever hub instance publishes a batch (migrate uses 7_263_101). */
export const OUTBOX_LOCK_KEY = 7_263_102;
const HELD_MAX_MS = 500;

export interface OutboxRelayOptions {
  sql: Sql;
  publisher: EventPublisher;
  bus?: LocalEventBus;
  logger: Logger;
  /**
   * The most events one batch (one transaction) publishes. Default 1000: agents completing in
   * batches write tens of thousands of events a second, and a relay that takes a hundred at a
   * time falls further behind every second (measured: 85% of them still queued when a
   * 20,000-task run ended). A quiet hub's batches are as small as what is queued.
   */
  batchSize?: number;
  /**
   * How often to look without being woken: this process's own commits wake the relay at once
   * (Sql.onWrite), so this bounds the delay only for events another hub instance (or process)
   * wrote, and for a Sql without onWrite. Default 250 ms.
   */
  pollMs?: number;
  /**
   * After a batch that published, wait this long before the next even when woken, so a busy
   * hub publishes in batches rather than a handful of events per transaction. Default 10 ms:
   * the most an event waits for it, while the relay's own work shrinks several-fold.
   */
  gatherMs?: number;
  /** publish-failure backoff: doubles from initialMs up to maxMs */
  backoff?: { initialMs?: number; maxMs?: number };
}

export interface OutboxRelayCounters {
  /** events published and taken off the queue */
  published: number;
  /** failed batches (each is retried after a backoff) */
  failures: number;
  batches: number;
  /** events NATS refused for good, set aside */
  setAside: number;
}

export interface OutboxRelay {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once every event committed before the call is published; HubError 'unavailable' on timeout. */
  drain(timeoutMs?: number): Promise<void>;
  /** Unpublished events, for /metrics. */
  lag(): Promise<number>;
  counters(): OutboxRelayCounters;
}

interface BatchOutcome {
  published: HubEvent[];
  /** refused by NATS for good (too large), moved to outbox_set_aside */
  setAside: HubEvent[];
  /**
   * what this process's own consumers get, in the order of publication: the published and the
   * set-aside events, less those queued again after being set aside (the bus had them then)
   */
  delivered: HubEvent[];
  /** the batch was full: more may be waiting */
  full: boolean;
  /** unpublished events exist that are not safe yet (an older transaction is still open) */
  held: boolean;
  /** another instance holds the publishing lock */
  locked: boolean;
  error?: unknown;
}

// Only events whose transaction is older than every transaction of this database still in
// flight: nothing can commit later with a smaller place in the order, so publishing in id order
// never skips one. Transaction ids are server-wide, so the in-flight ones are narrowed to this
// database's sessions (matched on the low 32 bits): a long transaction in another database on
// the same server (a shared managed cluster, the test suite's other databases) holds nothing back.
// Written as a plain SELECT (no WITH) so Sql.onWrite sees it as a read: otherwise every empty
// look would count as a write and wake the relay again, forever. OFFSET 0 keeps the snapshot
// one value instead of letting the planner inline the call wherever snap.s is used. The
// subqueries walk the outbox by its key and look each event up by its own (OFFSET 0 keeps them
// apart): a queue's statistics are always stale, and the plans the planner liked better (every
// event scanned, or probed against the outbox) grew with the table.
// How many events are queued at the same snapshot (up to one more than a batch) comes back on
// every row, and on a row of its own when no event is safe, so a batch looks once: each round
// trip costs more than the work here while a busy hub's relay catches up. The publishing lock
// is taken by a statement before this one, never in it: this statement's snapshot would
// predate the lock, and could still hold events the previous holder published just before
// letting go.
const SELECT_SAFE = `SELECT lk.queued, s.*
  FROM (SELECT (SELECT count(*)::int FROM (SELECT 1 FROM outbox ORDER BY event_id LIMIT $1 + 1) q) AS queued
        OFFSET 0) lk
  LEFT JOIN LATERAL (
    SELECT e.id, e.event_type, e.entity_type, e.entity_id, e.actor, e.payload, e.created_at,
        o.republish
      FROM (SELECT event_id, republish FROM outbox ORDER BY event_id LIMIT $1) o,
      LATERAL (SELECT * FROM events WHERE id = o.event_id OFFSET 0) e,
      (SELECT pg_current_snapshot() AS s OFFSET 0) snap,
      LATERAL (
        SELECT min(x) AS oldest FROM pg_snapshot_xip(snap.s) x
        WHERE (x::text::bigint % 4294967296) IN (
          SELECT backend_xid::text::bigint FROM pg_stat_activity
          WHERE datname = current_database() AND backend_xid IS NOT NULL)) ours
      WHERE e.tx_id < coalesce(ours.oldest, pg_snapshot_xmax(snap.s))) s ON true
  ORDER BY s.id`;

// Published events leave the queue and take their places in the order of publication in one
// statement. ORDER BY the given order: seq follows it (rows reach the insert in that order).
// An event with a place already keeps it; NOT EXISTS rather than ON CONFLICT, whose speculative
// insert writes one more WAL record per event (a fifth of this statement's).
const MARK = `WITH gone AS (DELETE FROM outbox WHERE event_id = ANY ($1::bigint[]))
  INSERT INTO event_feed (event_id)
  SELECT u.id FROM unnest($2::bigint[]) WITH ORDINALITY AS u(id, n)
  WHERE NOT EXISTS (SELECT 1 FROM event_feed f WHERE f.event_id = u.id)
  ORDER BY u.n
  RETURNING seq, event_id`;

const SET_ASIDE = `WITH gone AS (DELETE FROM outbox WHERE event_id = $1 RETURNING event_id, attempts)
  INSERT INTO outbox_set_aside (event_id, attempts, error)
  SELECT event_id, attempts + 1, $2 FROM gone
  ON CONFLICT (event_id) DO UPDATE SET attempts = EXCLUDED.attempts, error = EXCLUDED.error,
    set_aside_at = now()`;

/**
 * The transactional outbox's publisher: moves committed events from the `events` table to the
 * publisher in order, taking each off the queue (and giving it its place in event_feed) only
 * after its ack, then feeds the local bus.
 */
export function createOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const { sql, publisher, bus } = opts;
  const log = opts.logger.child({ component: "outbox-relay" });
  const batchSize = opts.batchSize ?? 1000;
  const pollMs = opts.pollMs ?? 250;
  const gatherMs = opts.gatherMs ?? 10;
  const initialBackoff = opts.backoff?.initialMs ?? 100;
  const maxBackoff = opts.backoff?.maxMs ?? 5_000;
  const counters: OutboxRelayCounters = { published: 0, failures: 0, batches: 0, setAside: 0 };
  const waker = createWaker();
  let abort: AbortController | undefined;
  let loopDone: Promise<void> | undefined;
  let unsubscribe: (() => void) | undefined;
  let batchWaiters: (() => void)[] = [];
  // One batch at a time in this process (the loop and a drain() without a loop).
  let chain: Promise<unknown> = Promise.resolve();

  async function batch(tx: Sql, lock: boolean): Promise<BatchOutcome> {
    if (lock) {
      const r = await tx.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_xact_lock($1) AS ok",
        [OUTBOX_LOCK_KEY],
        "outbox_relay_lock",
      );
      if (!r.rows[0]?.ok)
        return { published: [], setAside: [], delivered: [], full: false, held: false, locked: true };
    }
    const looked = (
      await tx.query<EventRow & { queued: number; republish: boolean }>(
        SELECT_SAFE,
        [batchSize],
        "outbox_relay_select",
      )
    ).rows;
    const first = looked[0];
    // A row with no event only carries the count.
    const rows = looked.filter((r) => r.id !== null);
    const queued = Number(first?.queued ?? 0);
    const republished = new Set<number>();
    const published: HubEvent[] = [];
    const setAside: HubEvent[] = [];
    let error: unknown;
    // Sent without waiting for each ack (one ack at a time held a relay publishing to NATS to a
    // few thousand events a second), each chained to the one before it: an event that does not
    // land refuses every later one, so none can land ahead of it.
    const sends = rows.map((row, i) => {
      const event = eventFromRow(row);
      const before = rows[i - 1];
      const acked = publisher.publish(event, before ? { after: Number(before.id) } : {}).then(
        () => undefined,
        (e: unknown) => e ?? new Error("publish failed"),
      );
      return { event, republish: row.republish, acked };
    });
    let chainBroken = false;
    for (const { event, republish, acked } of sends) {
      if (republish) republished.add(event.id);
      const e = await acked;
      if (e === undefined) {
        published.push(event);
        continue;
      }
      if (isHubError(e, "payload_too_large")) {
        // No retry can publish it: set it aside, or it would hold every later event forever.
        await tx.query(SET_ASIDE, [event.id, e.message]);
        log.error(
          { eventId: event.id, type: event.type, err: e.message },
          "event too large for NATS: set aside (agentops outbox retry queues it again)",
        );
        setAside.push(event);
        continue;
      }
      if (isHubError(e, "conflict")) {
        // Refused for its place, not for itself (the one before it was set aside, or the
        // stream's last event is not ours): the next batch starts with it, unchained.
        chainBroken = true;
        break;
      }
      // Stop here: publishing a later event first would break the order.
      error = e;
      await tx.query("UPDATE outbox SET attempts = attempts + 1 WHERE event_id = $1", [event.id]);
      break;
    }
    // Their places in the order of publication, in the order they went out (a republished one
    // has its place already, from when it was set aside).
    const delivered = [...published, ...setAside]
      .filter((e) => !republished.has(e.id))
      .sort((a, b) => a.id - b.id);
    if (published.length > 0 || delivered.length > 0) {
      const r = await tx.query<{ seq: number; event_id: number }>(
        MARK,
        [published.map((e) => e.id), delivered.map((e) => e.id)],
        "outbox_relay_mark",
      );
      const seqs = new Map(r.rows.map((x) => [Number(x.event_id), Number(x.seq)]));
      for (const e of delivered) {
        const seq = seqs.get(e.id);
        if (seq !== undefined) e.seq = seq;
      }
    }
    // Full: the first batchSize queued events were all safe; more may wait behind them. A
    // broken chain left safe events behind: the next batch takes them at once.
    const full = error === undefined && (rows.length === batchSize || chainBroken);
    // Queued when we looked, yet not safe: an older transaction is still open.
    const held = error === undefined && !full && queued > rows.length;
    return {
      published,
      setAside,
      delivered,
      full,
      held,
      locked: false,
      ...(error === undefined ? {} : { error }),
    };
  }

  async function runOnce(): Promise<BatchOutcome> {
    const run = async () => {
      // Postgres: a transaction-scoped advisory lock makes one instance at a time publish, and
      // is released by commit or by the connection dying. PGlite is one process owning its
      // files, so there is no other instance, and a transaction open across publishes would
      // stall every other write on its single connection.
      const outcome =
        sql.dialect === "postgres" ? await sql.transaction((tx) => batch(tx, true)) : await batch(sql, false);
      // After commit, so a consumer never sees an event whose mark could still roll back.
      counters.batches += 1;
      counters.published += outcome.published.length;
      counters.setAside += outcome.setAside.length;
      // A set-aside event still reaches this process's own consumers, in its place in the order.
      for (const e of outcome.delivered) bus?.emit(e);
      return outcome;
    };
    const p = chain.then(run, run);
    chain = p.catch(() => {});
    return p;
  }

  const batchDone = () => {
    const ws = batchWaiters;
    batchWaiters = [];
    for (const w of ws) w();
  };

  async function loop(signal: AbortSignal) {
    let failures = 0;
    let heldStreak = 0;
    while (!signal.aborted) {
      let outcome: BatchOutcome | undefined;
      let error: unknown;
      try {
        outcome = await runOnce();
        error = outcome.error;
      } catch (e) {
        error = e; // the database itself failed
      }
      batchDone();
      if (error !== undefined) {
        failures += 1;
        counters.failures += 1;
        const msg = error instanceof Error ? error.message : String(error);
        if (failures === 1) log.warn({ err: msg }, "outbox publish failed: retrying with backoff");
        else log.debug({ err: msg, failures }, "outbox publish still failing");
        // Not cut short by wakes: new events cannot fix a publish failure.
        await abortableSleep(Math.min(maxBackoff, initialBackoff * 2 ** (failures - 1)), signal);
        continue;
      }
      if (failures > 0) log.info({ failures }, "outbox publishing again");
      failures = 0;
      if (outcome?.full) continue;
      // A wake during this pause is kept by the waker, so the next batch starts right after it.
      if (gatherMs > 0 && outcome && outcome.published.length > 0) await abortableSleep(gatherMs, signal);
      // Events held back by an older open transaction: its commit may not wake us (it may write
      // no event, run in another process, or in another database: xmin is cluster-wide), so look
      // again soon, backing off to at most HELD_MAX_MS while it stays open.
      heldStreak = outcome?.held ? Math.min(heldStreak + 1, 16) : 0;
      const delay = heldStreak > 0 ? Math.min(pollMs, HELD_MAX_MS, 10 * 2 ** heldStreak) : pollMs;
      // waker.wait misses an abort that already happened (it only listens for a future one), so
      // a stop() that landed during the batch would otherwise wait out the whole poll.
      if (signal.aborted) break;
      await waker.wait(delay, signal);
    }
  }

  const nextBatch = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      batchWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });

  const lag = async () => {
    const r = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox");
    return Number(r.rows[0]?.n ?? 0);
  };

  return {
    async start() {
      if (abort) return;
      const ac = new AbortController();
      abort = ac;
      // No LISTEN: migration 0009 dropped the NOTIFY trigger (a notifying commit serialises
      // every writer). This process's commits wake the relay directly; the poll covers others.
      unsubscribe = sql.onWrite?.(() => waker.wake());
      loopDone = loop(ac.signal).catch((e: unknown) => {
        log.error({ err: e instanceof Error ? e.message : String(e) }, "outbox relay loop crashed");
      });
      log.info({ batchSize, pollMs }, "outbox relay started");
    },
    async stop() {
      const ac = abort;
      if (!ac || ac.signal.aborted) return;
      ac.abort();
      await loopDone;
      unsubscribe?.();
      unsubscribe = undefined;
      log.info("outbox relay stopped");
    },
    async drain(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const r = await sql.query<{ max: number | null }>("SELECT max(event_id) AS max FROM outbox");
      const target = r.rows[0]?.max;
      if (target === null || target === undefined) return;
      let failures = 0;
      for (;;) {
        const left = await sql.query("SELECT 1 FROM outbox WHERE event_id <= $1 ORDER BY event_id LIMIT 1", [
          target,
        ]);
        if (left.rows.length === 0) return;
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          throw new HubError(
            "unavailable",
            `outbox drain timed out after ${timeoutMs} ms with events unpublished`,
          );
        }
        if (abort && !abort.signal.aborted) {
          waker.wake();
          await nextBatch(Math.min(remaining, pollMs));
        } else {
          const o = await runOnce().catch((e: unknown) => ({ error: e }) as Partial<BatchOutcome>);
          if (o.error !== undefined || o.locked || o.held) {
            failures += 1;
            await abortableSleep(Math.min(remaining, maxBackoff, initialBackoff * 2 ** (failures - 1)));
          }
        }
      }
    },
    lag,
    counters: () => ({ ...counters }),
  };
}
