import type { FastifyReply, FastifyRequest } from "fastify";
import { listPublishedEvents } from "../core/events.ts";
import type { HubEvent } from "../core/types.ts";
import type { Sql } from "../db/sql.ts";
import type { EventBusLike } from "../http/deps.ts";
import { PING, serveSse, sseId } from "../http/sse.ts";
import type { Logger } from "../logger.ts";
import { sessionIsLive } from "./sessions.ts";

const REPLAY_LIMIT = 500;
const MAX_BUFFERED_BYTES = 1024 * 1024;
const SEEN_WINDOW = 5_000;

export interface WebStreamDeps {
  sql: Sql;
  bus: EventBusLike;
  logger: Logger;
  heartbeatMs: number;
  closing: AbortSignal;
}

/**
 * What the page needs to know about an event: that something changed, and roughly what. The
 * page then re-fetches its view, so no event payload (titles, answers) is sent twice.
 */
const slim = (e: HubEvent) => ({
  type: e.type,
  ...(typeof e.payload.number === "number" ? { task: e.payload.number } : {}),
});

/** The cursor: Last-Event-ID (a reconnect) wins over ?since= (the id the page was rendered at). */
export function cursorOf(request: FastifyRequest): number | undefined {
  const h = request.headers["last-event-id"];
  const q = (request.query as Record<string, unknown> | undefined)?.since;
  for (const v of [h, q]) {
    if (typeof v === "string" && /^\d{1,15}$/.test(v)) return Number(v);
  }
  return undefined;
}

/**
 * The dashboard's live stream: published events after the cursor from the database, then the
 * local bus. Subscribed before the replay query, so nothing falls between; duplicates are
 * dropped by id. Each heartbeat re-checks the session: a revoked one ends the stream.
 */
export async function streamWebEvents(
  deps: WebStreamDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  sessionId: string,
) {
  const since = cursorOf(request);
  reply.hijack();
  await serveSse(reply.raw, {
    headers: { "cache-control": "no-store, no-transform", "x-content-type-options": "nosniff" },
    retryMs: 3000,
    subscribe: (listener) => deps.bus.subscribe(listener),
    replay:
      since === undefined
        ? undefined
        : async (send) => {
            // after the place `since` in the order of publication
            const events = await listPublishedEvents(deps.sql, { afterSeq: since, limit: REPLAY_LIMIT });
            // Far behind: one event is enough, the page re-fetches everything it shows anyway.
            for (const e of events.length === REPLAY_LIMIT ? events.slice(-1) : events) send(e);
          },
    frame: (e) => `${sseId(e)}data: ${JSON.stringify(slim(e))}\n\n`,
    heartbeatMs: deps.heartbeatMs,
    // Each heartbeat re-checks the session instead of only pinging.
    onHeartbeat: (stream) => {
      sessionIsLive(deps.sql, sessionId).then(
        (live) => {
          if (!live) {
            // The page reconnects, gets 401, and shows "signed out".
            stream.write("event: signed-out\ndata: {}\n\n");
            stream.close();
          } else if (!stream.closed) stream.write(PING);
        },
        () => {
          if (!stream.closed) stream.write(PING);
        },
      );
    },
    closing: deps.closing,
    seenWindow: SEEN_WINDOW,
    maxBufferedBytes: MAX_BUFFERED_BYTES,
    onReplayError: (err) => deps.logger.warn({ err: (err as Error).message }, "web event replay failed"),
  });
}
