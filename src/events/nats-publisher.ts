import {
  ErrorCode,
  Events,
  headers,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  NatsError,
} from "nats";
import type { Config } from "../config.ts";
import type { HubEvent } from "../core/types.ts";
import { HubError } from "../errors.ts";
import { urlHost } from "../infra/redact-url.ts";
import type { Logger } from "../logger.ts";
import { encodeEvent, eventSubject } from "./event-codec.ts";
import { connectNats } from "./nats-connect.ts";
import { ensureStream, isStreamNotFound } from "./stream.ts";
import type { EventPublisher, PublishOptions } from "./types.ts";

export type NatsPublisherConfig = Pick<Config, "natsCredsFile" | "natsStream" | "natsSubjectPrefix"> & {
  natsUrl: string;
};

export interface NatsPublisherOptions {
  /** how long one publish waits for the connection and the JetStream ack */
  publishTimeoutMs?: number;
  /** JetStream drops a repeated msgID within this window: it must outlast the relay's retries */
  duplicateWindowMs?: number;
}

/** JetStream's "message size exceeds maximum allowed" (a stream's max_msg_size). */
const JS_MESSAGE_TOO_LARGE = 10054;
/** JetStream's "wrong last msg ID": the stream's last message is not the one expected. */
const JS_WRONG_LAST_MSG_ID = 10070;

const isTooLarge = (e: unknown) =>
  e instanceof NatsError &&
  (e.code === ErrorCode.MaxPayloadExceeded || e.api_error?.err_code === JS_MESSAGE_TOO_LARGE);

/** JetStream drops a repeated msgID within this window (the stream's duplicate_window). */
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;

interface Session {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/**
 * Publishes events to JetStream: subject `${prefix}.${type}`, JSON body, msgID `evt-<id>` so a
 * retry after a lost ack is dropped as a duplicate, and resolves only on the stream's ack.
 * Connects in the background and reconnects forever; until connected, publish fails fast and
 * the outbox keeps the event.
 */
export function createNatsPublisher(
  config: NatsPublisherConfig,
  logger: Logger,
  opts: NatsPublisherOptions = {},
): EventPublisher {
  const log = logger.child({ component: "nats-publisher", host: urlHost(config.natsUrl) });
  const timeoutMs = opts.publishTimeoutMs ?? 3_000;
  const spec = {
    name: config.natsStream,
    subjects: [`${config.natsSubjectPrefix}.>`],
    duplicateWindowMs: opts.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS,
  };
  const abort = new AbortController();
  let session: Session | undefined;
  let state: "starting" | "up" | "down" = "starting";
  let streamReady: Promise<void> | undefined;

  const watch = async (nc: NatsConnection) => {
    for await (const s of nc.status()) {
      if (s.type === Events.Disconnect && state !== "down") {
        state = "down";
        log.warn("NATS disconnected: events wait in the outbox until it is back");
      } else if (s.type === Events.Reconnect) {
        state = "up";
        // It may be a different or wiped server: check the stream again before the next publish.
        streamReady = undefined;
        log.info("NATS reconnected: publishing again");
      }
    }
  };

  const ready: Promise<Session> = connectNats(config, logger, {
    name: "agentops-hub-publisher",
    signal: abort.signal,
  }).then(async (nc) => {
    if (abort.signal.aborted) {
      await nc.close();
      throw new HubError("unavailable", "publisher closed");
    }
    const s = { nc, js: nc.jetstream(), jsm: await nc.jetstreamManager() };
    session = s;
    state = "up";
    log.info({ stream: spec.name }, "connected to NATS");
    void watch(nc).catch(() => {});
    return s;
  });
  ready.catch(() => {});

  const connected = async (): Promise<Session> => {
    if (session) return session;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HubError("unavailable", "NATS is not connected yet")), timeoutMs);
    });
    try {
      return await Promise.race([ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const ensure = (s: Session) => {
    if (!streamReady) {
      streamReady = ensureStream(s.jsm, spec, log).catch((e: unknown) => {
        streamReady = undefined;
        throw e;
      });
    }
    return streamReady;
  };

  return {
    async publish(event: HubEvent, opts: PublishOptions = {}) {
      if (abort.signal.aborted) throw new HubError("unavailable", "publisher closed");
      const s = await connected();
      try {
        await ensure(s);
        const h = headers();
        h.set("Content-Type", "application/json");
        h.set("AgentOps-Event-Id", String(event.id));
        h.set("AgentOps-Event-Type", event.type);
        if (event.entityType) h.set("AgentOps-Entity-Type", event.entityType);
        if (event.entityId) h.set("AgentOps-Entity-Id", event.entityId);
        await s.js.publish(eventSubject(config.natsSubjectPrefix, event.type), encodeEvent(event), {
          msgID: `evt-${event.id}`,
          headers: h,
          timeout: timeoutMs,
          expect: {
            streamName: spec.name,
            ...(opts.after === undefined ? {} : { lastMsgID: `evt-${opts.after}` }),
          },
        });
      } catch (e) {
        // No responders: nothing captures the subject (stream deleted or NATS came back empty).
        if (isStreamNotFound(e) || (e instanceof NatsError && e.code === "503")) streamReady = undefined;
        const msg = e instanceof Error ? e.message : String(e);
        // Too large for the server or the stream: no retry can change that.
        const tooLarge = isTooLarge(e);
        const outOfOrder = e instanceof NatsError && e.api_error?.err_code === JS_WRONG_LAST_MSG_ID;
        throw new HubError(
          tooLarge ? "payload_too_large" : outOfOrder ? "conflict" : "unavailable",
          `publishing event ${event.id} to NATS failed: ${msg}`,
          { cause: e },
        );
      }
    },
    status() {
      if (!session || session.nc.isClosed()) return "down";
      return state === "up" ? "up" : "down";
    },
    async close() {
      if (abort.signal.aborted) return;
      abort.abort();
      if (session && !session.nc.isClosed()) await session.nc.close();
    },
  };
}
