import type { OutboundMessage } from "../channels/types.ts";
import { getPreferences, setLastEventId } from "../conversation/preferences.ts";
import { setLastTask } from "../conversation/state.ts";
import { listPublishedEvents, type PublishedEventsFilter } from "../core/index.ts";
import type { HubEvent } from "../core/types.ts";
import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import type { QueuedEvent, WorkQueue } from "../events/cluster-events.ts";
import type { Logger } from "../logger.ts";
import { composeNotification, taskNumberOf, worthTelling } from "./notification-format.ts";

/** Sends a message the hub starts to a conversation on a channel (the adapters' send()). */
export type SendFn = (channel: string, conversation: string, msg: OutboundMessage) => Promise<void>;

/** The event stream as the notifier needs it; the LocalEventBus fits, and so does a test's. */
export type Subscribe = (handler: (e: HubEvent) => void) => () => void;

export interface NotifierDeps {
  sql: Sql;
  /** the event stream (the local bus), followed from the stored cursor; one instance only */
  subscribe?: Subscribe;
  /**
   * Instead of `subscribe`: a work queue the hub instances share (a JetStream durable consumer).
   * Each event reaches one instance and is confirmed once its batch went out, so two instances
   * never both send it and a restart resumes where the queue stands (no catch-up from the cursor).
   */
  queue?: WorkQueue;
  send: SendFn;
  logger: Logger;
  /** events arriving within this window go out as one message (2 s) */
  batchWindowMs?: number;
  /** after a failed send, the first retry waits this long, doubling up to a minute (5 s) */
  retryMs?: number;
  /** queue mode: how often events held for a batch postpone their redelivery (10 s) */
  workingMs?: number;
}

export interface Notifier {
  /** catches up on events since the last one handled, then follows the stream */
  start(): Promise<void>;
  /** sends what is waiting, then stops following */
  stop(): Promise<void>;
}

const CATCH_UP_PAGE = 500;

/**
 * Tells the person what their agents did, on their preferred channel, at their level. Each
 * event once: the cursor (the place in the order of publication of the last event handled) is
 * stored after the message went out, so a restart resumes right after it.
 */
export function createNotifier(deps: NotifierDeps): Notifier {
  const log = deps.logger.child({ component: "notifier" });
  const windowMs = deps.batchWindowMs ?? 2000;
  const retryBase = deps.retryMs ?? 5000;
  let queue: HubEvent[] = [];
  /** following the bus: the furthest place in the order of publication queued or handled */
  let seenSeq = 0;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  let work: Promise<void> = Promise.resolve();
  let failures = 0;
  /** events that arrive while catching up wait here, so ids stay in order */
  let buffer: HubEvent[] | undefined;
  let running = false;
  /** queue mode: the queue's handles of the events waiting in `queue`, to confirm after sending */
  const held = new Map<number, QueuedEvent[]>();
  /** queue mode: events up to here were handled by the cursor path (first deliveries only) */
  let floor = 0;
  let stopQueue: (() => Promise<void>) | undefined;
  let keepAlive: NodeJS.Timeout | undefined;

  const enqueue = (e: HubEvent) => {
    // By place, not id: an event can be published after one with a higher id (its transaction
    // committed later), and an id cursor dropped it.
    if (e.seq !== undefined) {
      if (e.seq <= seenSeq) return;
      seenSeq = e.seq;
    }
    queue.push(e);
    schedule(windowMs);
  };

  /**
   * Queue mode: no `seen` check, as a redelivery from an instance that died may be older than
   * what came since. History a new queue replays, at or below the cursor, was told before it:
   * confirmed without a word. Only history: an event published since can have a smaller id
   * than one already told (its transaction committed later), and is news.
   */
  const take = (q: QueuedEvent) => {
    const e = q.event;
    const same = held.get(e.id);
    if (same) {
      same.push(q);
      return;
    }
    if (!q.redelivered && q.history && e.id <= floor) {
      q.ack();
      return;
    }
    held.set(e.id, [q]);
    queue.push(e);
    schedule(windowMs);
  };

  const confirm = (events: HubEvent[]) => {
    for (const e of events) {
      for (const q of held.get(e.id) ?? []) q.ack();
      held.delete(e.id);
    }
  };

  const schedule = (ms: number) => {
    if (timer || !running) return;
    timer = setTimeout(() => {
      timer = undefined;
      work = work.then(flush);
    }, ms);
  };

  async function flush(): Promise<void> {
    const batch = queue;
    if (batch.length === 0) return;
    queue = [];
    // A catch-up after a long stop can queue thousands: no spread into Math.max.
    let last = 0;
    let place: number | undefined;
    for (const e of batch) {
      last = Math.max(last, e.id);
      if (e.seq !== undefined) place = Math.max(place ?? 0, e.seq);
    }
    try {
      const prefs = await getPreferences(deps.sql);
      const tell = batch.filter((e) => worthTelling(e, prefs.level));
      if (tell.length > 0 && prefs.channel && prefs.conversation) {
        await deliver(prefs.channel, prefs.conversation, tell);
      } else if (tell.length > 0) {
        log.info(
          { events: tell.length },
          "nowhere to notify the person yet: they have not talked to the hub",
        );
      }
      await setLastEventId(deps.sql, last, place);
      confirm(batch);
      failures = 0;
    } catch (e) {
      // Keep the batch, in order, ahead of anything that came in meanwhile, and retry later.
      queue = [...batch, ...queue];
      failures++;
      const wait = Math.min(retryBase * 2 ** (failures - 1), 60_000);
      log.error({ err: e instanceof Error ? e.message : String(e), retryInMs: wait }, "notification failed");
      schedule(wait);
      return;
    }
    if (queue.length > 0) schedule(windowMs);
  }

  async function deliver(channel: string, conversation: string, events: HubEvent[]) {
    // Email threads by task: one message per task there; chat gets one message for the burst.
    const groups: HubEvent[][] = [events];
    if (channel === "email") {
      const byTask = new Map<number, HubEvent[]>();
      for (const e of events) {
        const k = taskNumberOf(e) ?? -1;
        byTask.set(k, [...(byTask.get(k) ?? []), e]);
      }
      groups.splice(0, 1, ...byTask.values());
    }
    for (const group of groups) {
      const msg = composeNotification(group);
      await deps.send(channel, conversation, msg);
      // "reply to it" right after a notification means the task it was about.
      if (msg.taskNumber !== undefined) await setLastTask(deps.sql, channel, conversation, msg.taskNumber);
    }
  }

  async function catchUp(start: PublishedEventsFilter) {
    let from = start;
    for (;;) {
      const page = await listPublishedEvents(deps.sql, { ...from, limit: CATCH_UP_PAGE });
      for (const e of page) enqueue(e);
      const last = page.at(-1)?.seq;
      if (page.length < CATCH_UP_PAGE || last === undefined) return;
      from = { afterSeq: last };
    }
  }

  return {
    async start() {
      if (running) return;
      running = true;
      const prefs = await getPreferences(deps.sql);
      let cursor = prefs.lastEventId;
      let place = prefs.lastEventSeq;
      if (cursor === null) {
        // First start: history is not news.
        const r = await deps.sql.query<{ id: number | string; seq: number | string }>(
          `SELECT (SELECT coalesce(max(id), 0) FROM events) AS id,
                  agentops_last_seq() AS seq`,
        );
        cursor = Number(r.rows[0]?.id ?? 0);
        place = Number(r.rows[0]?.seq ?? 0);
        await setLastEventId(deps.sql, cursor, place);
      }
      if (deps.queue) {
        floor = cursor;
        stopQueue = deps.queue(take);
        const every = deps.workingMs ?? 10_000;
        keepAlive = setInterval(() => {
          for (const qs of held.values()) for (const q of qs) q.working();
        }, every);
        keepAlive.unref();
        log.info({ floor }, "notifier following the shared queue");
        return;
      }
      if (!deps.subscribe) throw new HubError("internal", "the notifier needs subscribe or queue");
      const subscribe = deps.subscribe;
      buffer = [];
      unsubscribe = subscribe((e) => {
        if (buffer) buffer.push(e);
        else enqueue(e);
      });
      seenSeq = place ?? 0;
      try {
        // A cursor from before migration 0014 is an event id: resume where that event was published.
        await catchUp(place === null ? { afterEvent: cursor } : { afterSeq: place });
      } finally {
        const held = buffer ?? [];
        buffer = undefined;
        for (const e of held) enqueue(e);
      }
      log.info({ from: cursor }, "notifier following events");
    },
    async stop() {
      if (!running) return;
      unsubscribe?.();
      unsubscribe = undefined;
      await stopQueue?.();
      stopQueue = undefined;
      if (timer) clearTimeout(timer);
      timer = undefined;
      running = false;
      work = work.then(flush);
      await work;
      // What could not go out goes back to the queue at once, for another instance.
      clearInterval(keepAlive);
      for (const qs of held.values()) for (const q of qs) q.nak();
      held.clear();
      if (deps.queue) queue = [];
    },
  };
}
