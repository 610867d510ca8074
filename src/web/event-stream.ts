import type { FastifyReply, FastifyRequest } from "fastify";
import { type EventRow, eventFromRow } from "../core/rows.ts";
import type { HubEvent } from "../core/types.ts";
import type { Sql } from "../db/sql.ts";
import type { EventBusLike } from "../http/deps.ts";
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
  const res = reply.raw;
  const since = cursorOf(request);
  reply.hijack();
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    "x-content-type-options": "nosniff",
  });
  res.write("retry: 3000\n: connected\n\n");

  const seen = new Set<number>();
  let buffered: HubEvent[] | undefined = [];
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    deps.closing.removeEventListener("abort", close);
    res.off("close", close);
    if (!res.writableEnded) res.end();
  };

  const send = (e: HubEvent) => {
    if (closed || seen.has(e.id)) return;
    seen.add(e.id);
    if (seen.size > SEEN_WINDOW) {
      const oldest = seen.values().next().value;
      if (oldest !== undefined) seen.delete(oldest);
    }
    res.write(`id: ${e.id}\ndata: ${JSON.stringify(slim(e))}\n\n`);
    if (res.writableLength > MAX_BUFFERED_BYTES) close();
  };

  const unsubscribe = deps.bus.subscribe((e) => {
    if (buffered) buffered.push(e);
    else send(e);
  });
  const heartbeat = setInterval(() => {
    if (closed) return;
    sessionIsLive(deps.sql, sessionId).then(
      (live) => {
        if (!live) {
          // The page reconnects, gets 401, and shows "signed out".
          res.write("event: signed-out\ndata: {}\n\n");
          close();
        } else if (!closed) res.write(": ping\n\n");
      },
      () => {
        if (!closed) res.write(": ping\n\n");
      },
    );
  }, deps.heartbeatMs);
  res.on("close", close);
  deps.closing.addEventListener("abort", close, { once: true });
  if (deps.closing.aborted) close();

  try {
    if (since !== undefined) {
      const r = await deps.sql.query<EventRow>(
        `SELECT id, event_type, entity_type, entity_id, actor, payload, created_at FROM events
         WHERE id > $1 AND published_at IS NOT NULL ORDER BY id LIMIT $2`,
        [since, REPLAY_LIMIT],
      );
      const events = r.rows.map(eventFromRow);
      // Far behind: one event is enough, the page re-fetches everything it shows anyway.
      for (const e of events.length === REPLAY_LIMIT ? events.slice(-1) : events) send(e);
    }
    const pending = buffered;
    buffered = undefined;
    for (const e of pending ?? []) send(e);
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, "web event replay failed");
    close();
  }
}
