import { AckPolicy, DeliverPolicy, type JsMsg, type NatsConnection, nanos } from "nats";
import type { HubEvent } from "../core/types.ts";
import { isHubError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { decodeEvent } from "./event-codec.ts";

export interface JetStreamSubscribeOptions {
  nc: NatsConnection;
  stream: string;
  /** durable consumer name: instances using the same name share the work, each event handled by one */
  durable: string;
  /** e.g. `${prefix}.task.>`; all of the stream when absent */
  filterSubject?: string;
  handler: (event: HubEvent, msg: JsMsg, meta: DeliveryMeta) => Promise<void>;
  logger: Logger;
  /** redelivered when not acked within this time (default 30 s) */
  ackWaitMs?: number;
  /** delivery attempts before JetStream gives up on a message (default unlimited) */
  maxDeliver?: number;
  /** how long before a failed message is redelivered (default 1 s) */
  retryDelayMs?: number;
  /**
   * The handler takes the message over and acks (or naks) it itself, later: for work confirmed
   * only after a batch goes out, which must not hold up the next messages meanwhile.
   */
  manualAck?: boolean;
}

export interface DeliveryMeta {
  /**
   * Published before the durable consumer was created: history that a new consumer (deliver
   * policy all) replays, rather than an event published since.
   */
  beforeConsumer: boolean;
}

export interface JetStreamSubscription {
  stop(): Promise<void>;
}

/**
 * At-least-once consumption through a durable pull consumer: each message is acked after the
 * handler resolves and redelivered (nak) when it throws, so handlers must be idempotent (the
 * event id is the natural dedupe key). A message that is not an event is terminated, not retried.
 */
export async function subscribeJetStream(opts: JetStreamSubscribeOptions): Promise<JetStreamSubscription> {
  const log = opts.logger.child({
    component: "jetstream-consumer",
    stream: opts.stream,
    durable: opts.durable,
  });
  const jsm = await opts.nc.jetstreamManager();
  const config = {
    durable_name: opts.durable,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(opts.ackWaitMs ?? 30_000),
    max_deliver: opts.maxDeliver ?? -1,
    ...(opts.filterSubject ? { filter_subject: opts.filterSubject } : {}),
  };
  try {
    await jsm.consumers.add(opts.stream, { ...config, deliver_policy: DeliverPolicy.All });
  } catch {
    // It exists with other settings (deliver policy cannot change): bring what can change up to date.
    await jsm.consumers.update(opts.stream, opts.durable, config);
  }
  const consumer = await opts.nc.jetstream().consumers.get(opts.stream, opts.durable);
  // Both times are the server's clock.
  const createdMs = Date.parse((await consumer.info(true)).created);
  const messages = await consumer.consume({ max_messages: 64 });
  const retryDelay = opts.retryDelayMs ?? 1_000;

  const done = (async () => {
    for await (const m of messages) {
      let event: HubEvent;
      try {
        event = decodeEvent(m.data);
      } catch (e) {
        log.error({ subject: m.subject, seq: m.seq, err: (e as Error).message }, "not an event: dropped");
        m.term("not an event");
        continue;
      }
      try {
        await opts.handler(event, m, { beforeConsumer: m.info.timestampNanos / 1e6 < createdMs });
        if (!opts.manualAck) m.ack();
      } catch (e) {
        const level = isHubError(e, "unavailable") ? "warn" : "error";
        log[level](
          { eventId: event.id, err: (e as Error).message, redelivery: m.info.redeliveryCount },
          "handler failed",
        );
        m.nak(retryDelay);
      }
    }
  })();

  let stopped = false;
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      await messages.close();
      await done.catch(() => {});
    },
  };
}
