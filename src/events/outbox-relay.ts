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

// The cursor's batch: the events after the cursor, in (tx_id, id) order, of transactions older
// than every transaction still open that could be this database's. Only the in-flight ones known
// to belong to another database are left out (a long transaction there holds nothing back); one
// that finished between the snapshot and the read of pg_stat_activity still counts, so no event
// can later appear behind the cursor. `held`: committed events wait behind an open transaction.
// `queue`: the queue holds events (an earlier version's, or set-aside ones queued again), which
// go first. A plain SELECT, so Sql.onWrite sees it as a read (see SELECT_SAFE). `held` asks
// the newest event alone (an event waits iff the newest one does), one index probe: as an
// EXISTS over the bound, the planner chose a scan of the whole table on every look.
const SELECT_CURSOR = `SELECT k.queue, k.held, s.*
  FROM (
    SELECT c.*, b.bound, EXISTS (SELECT 1 FROM outbox) AS queue,
        coalesce((SELECT w.tx_id >= b.bound AND (w.tx_id, w.id) > (c.tx_id, c.event_id)
                  FROM events w ORDER BY w.tx_id DESC, w.id DESC LIMIT 1), false) AS held
      FROM (SELECT * FROM outbox_cursor LIMIT 1) c,
      (SELECT pg_current_snapshot() AS snap OFFSET 0) sn,
      LATERAL (
        SELECT coalesce(min(x), pg_snapshot_xmax(sn.snap)) AS bound FROM pg_snapshot_xip(sn.snap) x
        WHERE (x::text::bigint % 4294967296) NOT IN (
          SELECT backend_xid::text::bigint FROM pg_stat_activity
          WHERE datname <> current_database() AND backend_xid IS NOT NULL)) b
      OFFSET 0) k
  LEFT JOIN LATERAL (
    SELECT e.id, e.event_type, e.entity_type, e.entity_id, e.actor, e.payload, e.created_at, e.tx_id,
        (e.tx_id < k.legacy_until
         AND EXISTS (SELECT 1 FROM event_feed f WHERE f.event_id = e.id)) AS passed
      FROM events e
      WHERE (e.tx_id, e.id) > (k.tx_id, k.event_id) AND e.tx_id < k.bound
      ORDER BY e.tx_id, e.id LIMIT $1) s ON NOT k.queue
  ORDER BY s.tx_id, s.id`;

// The cursor moves to the last event the batch took care of, and the batch's n published (or
// set-aside) events take the next n places of the order of publication, in one statement.
const MARK_CURSOR = `WITH b AS (
    INSERT INTO event_batches (seq_start, n, from_tx, from_id, to_tx, to_id)
    SELECT setval('event_feed_seq_seq', nextval('event_feed_seq_seq') + $1 - 1) - $1 + 1, $1,
           c.tx_id, c.event_id, $2::text::xid8, $3
    FROM outbox_cursor c WHERE $1 > 0
    RETURNING seq_start)
  UPDATE outbox_cursor SET tx_id = $2::text::xid8, event_id = $3
  RETURNING (SELECT seq_start FROM b) AS seq_start`;

const SET_ASIDE_AT_CURSOR = `INSERT INTO outbox_set_aside (event_id, attempts, error) VALUES ($1, 1, $2)
  ON CONFLICT (event_id) DO UPDATE SET attempts = outbox_set_aside.attempts + 1,
    error = EXCLUDED.error, set_aside_at = now()`;

/**
 * The transactional outbox's publisher: moves committed events to the publisher in the order
 * (tx_id, id), moving its cursor past each only after its ack (and the queue's events first,
 * each taken off the queue only after its ack), then feeds the local bus.
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

  /**
   * Publishes the items in order, each chained to the one sent before it, without waiting for
   * each ack (one ack at a time held a relay publishing to NATS to a few thousand events a
   * second): an event that does not land refuses every later one, so none lands ahead of it.
   * A `passed` item is not sent (it was published before). Stops at the first that fails;
   * `handled` counts the leading items taken care of (published, set aside or passed).
   */
  async function publishInOrder(
    items: readonly { event: HubEvent; passed?: boolean }[],
    setAsideOne: (event: HubEvent, error: string) => Promise<unknown>,
  ) {
    let before: HubEvent | undefined;
    const sends = items.map(({ event, passed }) => {
      if (passed) return undefined;
      const acked = publisher.publish(event, before ? { after: before.id } : {}).then(
        () => undefined,
        (e: unknown) => e ?? new Error("publish failed"),
      );
      before = event;
      return acked;
    });
    const published: HubEvent[] = [];
    const setAside: HubEvent[] = [];
    // published and set aside, in the items' order
    const delivered: HubEvent[] = [];
    let handled = 0;
    let chainBroken = false;
    let error: unknown;
    for (const [i, item] of items.entries()) {
      const e = await sends[i];
      if (e === undefined) {
        if (!item.passed) {
          published.push(item.event);
          delivered.push(item.event);
        }
        handled += 1;
        continue;
      }
      if (isHubError(e, "payload_too_large")) {
        // No retry can publish it: set it aside, or it would hold every later event forever.
        await setAsideOne(item.event, e.message);
        log.error(
          { eventId: item.event.id, type: item.event.type, err: e.message },
          "event too large for NATS: set aside (agentops outbox retry queues it again)",
        );
        setAside.push(item.event);
        delivered.push(item.event);
        handled += 1;
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
      break;
    }
    return { published, setAside, delivered, handled, chainBroken, error };
  }

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
      await tx.query<EventRow & { queue: boolean; held: boolean; tx_id: string; passed: boolean }>(
        SELECT_CURSOR,
        [batchSize],
        "outbox_relay_cursor",
      )
    ).rows;
    const first = looked[0];
    if (first?.queue) return queueBatch(tx);
    // A row with no event only carries the flags.
    const rows = looked.filter((r) => r.id !== null);
    const items = rows.map((row) => ({ event: eventFromRow(row), passed: row.passed }));
    const out = await publishInOrder(items, (event, error) =>
      tx.query(SET_ASIDE_AT_CURSOR, [event.id, error]),
    );
    const delivered = out.delivered;
    const last = rows[out.handled - 1];
    if (last) {
      const r = await tx.query<{ seq_start: number | string | null }>(
        MARK_CURSOR,
        [delivered.length, last.tx_id, last.id],
        "outbox_relay_mark_cursor",
      );
      const start = r.rows[0]?.seq_start;
      if (start !== null && start !== undefined) {
        for (const [k, e] of delivered.entries()) e.seq = Number(start) + k;
      }
    }
    const full = out.error === undefined && (rows.length === batchSize || out.chainBroken);
    const held = out.error === undefined && !full && Boolean(first?.held);
    return {
      published: out.published,
      setAside: out.setAside,
      delivered,
      full,
      held,
      locked: false,
      ...(out.error === undefined ? {} : { error: out.error }),
    };
  }

  /**
   * The queue's batch: events an earlier version left queued, and set-aside events queued again,
   * each taken off the queue (and given its place in event_feed) only after its ack.
   */
  async function queueBatch(tx: Sql): Promise<BatchOutcome> {
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
    const republished = new Set(rows.filter((r) => r.republish).map((r) => Number(r.id)));
    const items = rows.map((row) => ({ event: eventFromRow(row) }));
    const out = await publishInOrder(items, (event, error) => tx.query(SET_ASIDE, [event.id, error]));
    const failed = items[out.handled]?.event;
    if (out.error !== undefined && failed) {
      await tx.query("UPDATE outbox SET attempts = attempts + 1 WHERE event_id = $1", [failed.id]);
    }
    // Their places in the order of publication, in the order they went out (a republished one
    // has its place already, from when it was set aside).
    const delivered = [...out.published, ...out.setAside]
      .filter((e) => !republished.has(e.id))
      .sort((a, b) => a.id - b.id);
    if (out.published.length > 0 || delivered.length > 0) {
      const r = await tx.query<{ seq: number; event_id: number }>(
        MARK,
        [out.published.map((e) => e.id), delivered.map((e) => e.id)],
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
    const full = out.error === undefined && (rows.length === batchSize || out.chainBroken);
    // Queued when we looked, yet not safe: an older transaction is still open.
    const held = out.error === undefined && !full && queued > rows.length;
    return {
      published: out.published,
      setAside: out.setAside,
      delivered,
      // the cursor's events wait behind the queue: look again at once
      full: full || (out.error === undefined && !held && rows.length > 0),
      held,
      locked: false,
      ...(out.error === undefined ? {} : { error: out.error }),
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
    const r = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM unpublished_events");
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
      // The last queued event, and the last event committed, by place: published once the
      // queue holds nothing up to the one and the cursor has reached the other.
      const r = await sql.query<{ queued: string | null; tx_id: string | null; id: string | null }>(
        `SELECT (SELECT max(event_id) FROM outbox) AS queued, e.tx_id, e.id
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (SELECT tx_id, id FROM events ORDER BY tx_id DESC, id DESC LIMIT 1) e ON true`,
      );
      const target = r.rows[0];
      if (!target) return;
      let failures = 0;
      for (;;) {
        const left = await sql.query<{ pending: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM outbox WHERE event_id <= $1)
               OR EXISTS (SELECT 1 FROM outbox_cursor c
                          WHERE (c.tx_id, c.event_id) < ($2::text::xid8, $3::bigint)) AS pending`,
          [target.queued, target.tx_id, target.id],
        );
        if (!left.rows[0]?.pending) return;
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
