import type { FastifyReply, FastifyRequest } from "fastify";
import { listPublishedEvents } from "../core/events.ts";
import type { HubEvent } from "../core/types.ts";
import type { RouteContext } from "./context.ts";
import { eventDto } from "./dto.ts";
import { type EventTypeFilter, matchesType } from "./event-filter.ts";
import { serveSse, sseId } from "./sse.ts";

const REPLAY_PAGE = 500;
/** A client this far behind is cut off; it resumes with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** ids remembered to drop duplicates between the replay and the live bus */
const SEEN_WINDOW = 10_000;

/**
 * Published events after the place `since` in the order of publication (event_feed.seq). Only
 * published ones: every event not yet published reaches the bus after the subscription made
 * before this query, so replay plus live has no gap, and duplicates are dropped by id.
 */
const replayPage = (ctx: RouteContext, since: number, filter: EventTypeFilter): Promise<HubEvent[]> =>
  listPublishedEvents(ctx.sql, {
    afterSeq: since,
    types: filter.exact,
    typePrefixes: filter.prefixes,
    limit: REPLAY_PAGE,
  });

/**
 * Server-sent events: `id:` the event id, `event:` its type, `data:` the event as JSON.
 * With a cursor it replays from the database first, then follows the live bus; heartbeat
 * comments keep proxies from closing an idle stream.
 */
export async function streamEvents(
  ctx: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
  opts: { since: number | undefined; filter: EventTypeFilter },
) {
  reply.hijack();
  const since = opts.since;
  await serveSse(reply.raw, {
    headers: { "cache-control": "no-cache, no-transform", "x-request-id": request.id },
    retryMs: 2000,
    subscribe: (listener) => ctx.bus.subscribe(listener),
    replay:
      since === undefined
        ? undefined
        : async (send, stream) => {
            let cursor = since;
            for (;;) {
              if (stream.closed) return;
              const page = await replayPage(ctx, cursor, opts.filter);
              for (const e of page) send(e);
              const last = page.at(-1);
              if (!last || page.length < REPLAY_PAGE) break;
              cursor = last.seq ?? cursor;
            }
          },
    filter: (e) => matchesType(opts.filter, e),
    frame: (e) => `${sseId(e)}event: ${e.type}\ndata: ${JSON.stringify(eventDto(e))}\n\n`,
    heartbeatMs: ctx.options.sseHeartbeatMs,
    closing: ctx.closing,
    seenWindow: SEEN_WINDOW,
    maxBufferedBytes: MAX_BUFFERED_BYTES,
    onSlowClient: () => ctx.logger.warn({ reqId: request.id }, "SSE client too slow: closing its stream"),
    onReplayError: (err, stream) => {
      ctx.logger.error({ err, reqId: request.id }, "SSE replay failed");
      stream.write(
        `event: error\ndata: ${JSON.stringify({ error: { code: "unavailable", message: "Replay failed; reconnect" } })}\n\n`,
      );
    },
  });
}
