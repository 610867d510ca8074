import type { NatsConnection } from "nats";
import type { Config } from "../config.ts";
import type { HubEvent } from "../core/types.ts";
import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { decodeEvent } from "./event-codec.ts";
import { type JetStreamSubscription, subscribeJetStream } from "./jetstream-subscriber.ts";
import type { LocalEventBus } from "./local-bus.ts";
import { connectNats } from "./nats-connect.ts";
import { DEFAULT_DUPLICATE_WINDOW_MS } from "./nats-publisher.ts";
import { abortableSleep } from "./sleep.ts";
import { ensureStream, type StreamSpec } from "./stream.ts";

/** One event of a work queue shared by hub instances: it reaches one of them, until confirmed. */
export interface QueuedEvent {
  event: HubEvent;
  /** offered before (to this or another instance) and never confirmed */
  redelivered: boolean;
  /** published before the queue existed: history its first consumer replays */
  history: boolean;
  /** handled: never offered again */
  ack(): void;
  /** given back at once, for another instance or a later try */
  nak(): void;
  /** still being handled: postpones the redelivery that an unconfirmed event gets */
  working(): void;
}

/** Starts following the queue (in the background); the returned function stops it. */
export type WorkQueue = (handler: (q: QueuedEvent) => void) => () => Promise<void>;

export interface ClusterEventsOptions {
  config: Pick<
    Config,
    "natsUrl" | "natsCredsFile" | "natsCreds" | "natsStream" | "natsSubjectPrefix" | "instanceId"
  >;
  sql: Sql;
  bus: LocalEventBus;
  logger: Logger;
  /** the publisher's duplicate window (default the publisher's default) */
  duplicateWindowMs?: number;
  /** the longest an event found in the stream waits for its outbox row to leave the outbox */
  holdMaxMs?: number;
}

export interface ClusterEvents {
  /** Starts feeding the local bus from the stream; connects in the background (NATS may be down). */
  start(): Promise<void>;
  /** The notifier's input: the durable consumer `notifier`, shared by every instance. */
  readonly notifierQueue: WorkQueue;
  stop(): Promise<void>;
}

/** Where an instance joined: what was published before it is history. */
interface StartPoint {
  at: number;
  /** the database snapshot when it started, as text */
  snapshot: string;
  /** events still in the outbox then */
  queued: Set<number>;
}

/** The durable consumer the instances' notifiers share: each event is notified by one of them. */
export const NOTIFIER_DURABLE = "notifier";
const SEEN_WINDOW = 10_000;
/** NATS stamps messages with its own clock, the outbox with Postgres's: allow for some skew. */
const CLOCK_SKEW_MS = 30_000;

/**
 * Several hub instances over one Postgres and one JetStream stream. Only the instance holding the
 * outbox lock publishes a batch, so its relay alone cannot feed every instance's bus; instead each
 * instance follows the stream with an ordered consumer of its own (every event, in stream order),
 * and the notifiers share one durable consumer (each event to one instance, confirmed after its
 * notification went out).
 */
export function createClusterEvents(opts: ClusterEventsOptions): ClusterEvents {
  const { config, sql, bus } = opts;
  const natsUrl = config.natsUrl;
  if (!natsUrl) throw new HubError("config_invalid", "cluster events need NATS_URL");
  const log = opts.logger.child({ component: "cluster-events", instance: config.instanceId });
  const windowMs = opts.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  const holdMaxMs = opts.holdMaxMs ?? 10_000;
  const spec: StreamSpec = {
    name: config.natsStream,
    subjects: [`${config.natsSubjectPrefix}.>`],
    duplicateWindowMs: windowMs,
  };
  const abort = new AbortController();
  let nc: Promise<NatsConnection> | undefined;
  let feed: Promise<void> | undefined;
  let feedMessages: { close(): Promise<unknown> } | undefined;

  /** One connection for the feed and the queue, with the stream there (the publisher may not have made it yet). */
  const connection = (): Promise<NatsConnection> => {
    nc ??= connectNats({ ...config, natsUrl }, opts.logger, {
      name: `agentops-hub-cluster-${config.instanceId}`,
      signal: abort.signal,
    });
    return nc;
  };
  const ready = async (): Promise<NatsConnection> => {
    for (let attempt = 1; ; attempt++) {
      const c = await connection();
      try {
        await ensureStream(await c.jetstreamManager(), spec, log);
        return c;
      } catch (e) {
        if (abort.signal.aborted) throw new HubError("unavailable", "cluster events stopped");
        if (attempt === 1) log.warn({ err: (e as Error).message }, "JetStream not ready yet: retrying");
        await abortableSleep(Math.min(250 * attempt, 2_000), abort.signal);
      }
    }
  };

  /**
   * Whether a stream event goes on the bus. Only once it has left the outbox: the SSE replay
   * reads published rows after subscribing to the bus, so an event must reach the bus no earlier
   * than its publication commits, or a client connecting in between would miss it. Events
   * published before this instance started are history, as they are for the relay: committed
   * before its start (visible in the snapshot it took) and no longer queued then.
   */
  async function verdict(event: HubEvent, start: StartPoint): Promise<"emit" | "history"> {
    const since = Date.now();
    for (let wait = 5; ; wait = Math.min(wait * 2, 250)) {
      const r = await sql.query<{ queued: boolean; before_start: boolean; seq: number | string | null }>(
        `SELECT agentops_event_unpublished(e.id) AS queued,
                pg_visible_in_snapshot(e.tx_id, $2::text::pg_snapshot) AS before_start,
                agentops_event_seq(e.id) AS seq
         FROM events e WHERE e.id = $1`,
        [event.id, start.snapshot],
      );
      const row = r.rows[0];
      // No row: pruned, or not this database's outbox; nothing to wait for.
      if (!row) return "emit";
      if (!row.queued) {
        // its place in the order of publication, for the streams that resume from it
        if (row.seq !== null) event.seq = Number(row.seq);
        return row.before_start && !start.queued.has(event.id) ? "history" : "emit";
      }
      if (Date.now() - since >= holdMaxMs) {
        log.warn(
          { eventId: event.id },
          "event in the stream still queued in the outbox: delivering it anyway",
        );
        return "emit";
      }
      await abortableSleep(wait, abort.signal);
      if (abort.signal.aborted) return "history";
    }
  }

  // Kept across consumer restarts: where to resume, and which events this bus already had.
  let lastSeq = 0;
  const seen = new Set<number>();

  async function runFeed(start: StartPoint): Promise<void> {
    const c = await ready();
    // The first time, back past the duplicate window: an event published then left in the outbox
    // (a crashed relay) is republished as a duplicate and dropped by the stream, so its first
    // copy, up to a window old, is the one to deliver. What was published before start is history.
    const consumer = await c.jetstream().consumers.get(spec.name, {
      filterSubjects: `${config.natsSubjectPrefix}.>`,
      ...(lastSeq > 0
        ? { opt_start_seq: lastSeq + 1 }
        : { opt_start_time: new Date(start.at - windowMs - CLOCK_SKEW_MS).toISOString() }),
    });
    const messages = await consumer.consume({ max_messages: 256 });
    feedMessages = messages;
    if (abort.signal.aborted) await messages.close();
    log.info({ stream: spec.name }, "feeding the local event bus from JetStream");
    for await (const m of messages) {
      let event: HubEvent;
      try {
        event = decodeEvent(m.data);
      } catch (e) {
        log.error({ subject: m.subject, seq: m.seq, err: (e as Error).message }, "not an event: skipped");
        lastSeq = m.seq;
        continue;
      }
      // A republish after the duplicate window is a second copy of the same event: once per bus.
      if (seen.has(event.id)) {
        lastSeq = m.seq;
        continue;
      }
      let v: "emit" | "history";
      for (;;) {
        try {
          v = await verdict(event, start);
          break;
        } catch (e) {
          // The database is away: hold the line (order) and retry; the stream keeps the rest.
          log.warn({ err: (e as Error).message, eventId: event.id }, "cannot check an event's outbox row");
          await abortableSleep(1_000, abort.signal);
          if (abort.signal.aborted) return;
        }
      }
      if (abort.signal.aborted) return;
      lastSeq = m.seq;
      seen.add(event.id);
      if (seen.size > SEEN_WINDOW) {
        const oldest = seen.values().next().value;
        if (oldest !== undefined) seen.delete(oldest);
      }
      if (v === "emit") bus.emit(event);
    }
  }

  /** The ordered consumer rides out reconnects itself; anything else starts it again where it was. */
  async function followStream(start: StartPoint): Promise<void> {
    for (let failures = 0; !abort.signal.aborted; ) {
      try {
        await runFeed(start);
        failures = 0;
      } catch (e) {
        if (abort.signal.aborted) return;
        failures += 1;
        log.error(
          { err: e instanceof Error ? e.message : String(e), failures },
          "the JetStream bus feed failed",
        );
      }
      await abortableSleep(Math.min(500 * 2 ** failures, 10_000), abort.signal);
    }
  }

  const notifierQueue: WorkQueue = (handler) => {
    let sub: JetStreamSubscription | undefined;
    let stopped = false;
    const started = (async () => {
      for (let attempt = 1; !stopped; attempt++) {
        try {
          const c = await ready();
          const s = await subscribeJetStream({
            nc: c,
            stream: spec.name,
            durable: NOTIFIER_DURABLE,
            manualAck: true,
            logger: opts.logger,
            handler: async (event, m, meta) =>
              handler({
                event,
                redelivered: m.redelivered,
                history: meta.beforeConsumer,
                ack: () => m.ack(),
                nak: () => m.nak(),
                working: () => m.working(),
              }),
          });
          if (stopped) await s.stop();
          else sub = s;
          return;
        } catch (e) {
          if (stopped || abort.signal.aborted) return;
          log.warn({ err: (e as Error).message }, "cannot follow the notifier's consumer yet: retrying");
          await abortableSleep(Math.min(500 * attempt, 5_000), abort.signal);
        }
      }
    })();
    return async () => {
      stopped = true;
      await started;
      await sub?.stop();
    };
  };

  return {
    async start() {
      if (feed) return;
      // One statement, so the queue it reads is the one of its snapshot.
      const r = await sql.query<{ now: Date | string; snapshot: string; queued: number[] | null }>(
        `SELECT clock_timestamp() AS now, pg_current_snapshot()::text AS snapshot,
                ARRAY(SELECT event_id FROM unpublished_events) AS queued`,
      );
      const row = r.rows[0];
      if (!row) throw new HubError("internal", "no start point for the cluster events");
      feed = followStream({
        at: new Date(row.now).getTime(),
        snapshot: row.snapshot,
        queued: new Set((row.queued ?? []).map(Number)),
      });
    },
    notifierQueue,
    async stop() {
      if (abort.signal.aborted) return;
      abort.abort();
      await feedMessages?.close();
      await feed;
      const c = await nc?.catch(() => undefined);
      if (c && !c.isClosed()) await c.close();
    },
  };
}
