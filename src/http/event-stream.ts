import type { FastifyReply, FastifyRequest } from "fastify";
import { type EventRow, eventFromRow } from "../core/rows.ts";
import type { HubEvent } from "../core/types.ts";
import type { RouteContext } from "./context.ts";
import { eventDto } from "./dto.ts";
import { type EventTypeFilter, matchesType } from "./event-filter.ts";

const REPLAY_PAGE = 500;
/** A client this far behind is cut off; it resumes with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** ids remembered to drop duplicates between the replay and the live bus */
const SEEN_WINDOW = 10_000;

/**
 * Published events after `since`, in id order. Only published ones: every event not yet
 * published reaches the bus after the subscription made before this query, so replay plus
 * live has no gap, and duplicates are dropped by id.
 */
async function replayPage(ctx: RouteContext, since: number, filter: EventTypeFilter): Promise<HubEvent[]> {
  const all = filter.exact.length === 0 && filter.prefixes.length === 0;
  const r = await ctx.sql.query<EventRow>(
    `SELECT id, event_type, entity_type, entity_id, actor, payload, created_at FROM events
     WHERE id > $1 AND published_at IS NOT NULL
       AND ($2::boolean OR event_type = ANY($3::text[]) OR event_type LIKE ANY($4::text[]))
     ORDER BY id LIMIT $5`,
    [since, all, filter.exact, filter.prefixes.map((p) => `${p.replace(/[\\%_]/g, "\\$&")}%`), REPLAY_PAGE],
  );
  return r.rows.map(eventFromRow);
}

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
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    "x-request-id": request.id,
  });
  res.write("retry: 2000\n: connected\n\n");

  const seen = new Set<number>();
  let buffered: HubEvent[] | undefined = [];
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    ctx.closing.removeEventListener("abort", close);
    res.off("close", close);
    if (!res.writableEnded) res.end();
  };

  const send = (e: HubEvent) => {
    if (closed || seen.has(e.id) || !matchesType(opts.filter, e)) return;
    seen.add(e.id);
    if (seen.size > SEEN_WINDOW) {
      const oldest = seen.values().next().value;
      if (oldest !== undefined) seen.delete(oldest);
    }
    res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(eventDto(e))}\n\n`);
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      ctx.logger.warn({ reqId: request.id }, "SSE client too slow: closing its stream");
      close();
    }
  };

  // Subscribe before reading the database: whatever is published meanwhile waits in `buffered`.
  const unsubscribe = ctx.bus.subscribe((e) => {
    if (buffered) buffered.push(e);
    else send(e);
  });
  const heartbeat = setInterval(() => {
    if (!closed) res.write(": ping\n\n");
  }, ctx.options.sseHeartbeatMs);
  res.on("close", close);
  ctx.closing.addEventListener("abort", close, { once: true });
  if (ctx.closing.aborted) close();

  try {
    if (opts.since !== undefined) {
      let cursor = opts.since;
      for (;;) {
        if (closed) return;
        const page = await replayPage(ctx, cursor, opts.filter);
        for (const e of page) send(e);
        const last = page.at(-1);
        if (!last || page.length < REPLAY_PAGE) break;
        cursor = last.id;
      }
    }
    const pending = buffered;
    buffered = undefined;
    for (const e of pending ?? []) send(e);
  } catch (err) {
    ctx.logger.error({ err, reqId: request.id }, "SSE replay failed");
    res.write(
      `event: error\ndata: ${JSON.stringify({ error: { code: "unavailable", message: "Replay failed; reconnect" } })}\n\n`,
    );
    close();
  }
}
