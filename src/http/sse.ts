// The server-sent-events machinery shared by the API's /v1/events and the dashboard's live
// stream: both subscribe to the bus before replaying from the database, hold live events back
// until the replay is done, drop duplicates by id, send heartbeats, and close on disconnect,
// on shutdown, or when the client falls too far behind. What each stream sends (and what
// else it checks) stays with its caller.
import type { ServerResponse } from "node:http";
import type { HubEvent } from "../core/types.ts";

/** The stream as its caller's callbacks see it. `write` is the raw response's, unguarded. */
export interface SseStream {
  readonly closed: boolean;
  write(chunk: string): void;
  close(): void;
}

export interface SseOptions {
  /** headers besides content-type, connection and x-accel-buffering (cache-control, ...) */
  headers: Record<string, string>;
  /** the `retry:` the browser waits before reconnecting, in ms */
  retryMs: number;
  /** the live bus; returns the unsubscribe */
  subscribe: (listener: (e: HubEvent) => void) => () => void;
  /** events before the live ones, sent with `send`; called only when there is a cursor */
  replay?: ((send: (e: HubEvent) => void, stream: SseStream) => Promise<void>) | undefined;
  /** events the stream wants; all when absent */
  filter?: ((e: HubEvent) => boolean) | undefined;
  /** the whole SSE frame for one event */
  frame: (e: HubEvent) => string;
  heartbeatMs: number;
  /** what a heartbeat does on an open stream; a `: ping` comment when absent */
  onHeartbeat?: ((stream: SseStream) => void) | undefined;
  /** aborted at shutdown: every stream ends */
  closing: AbortSignal;
  /** ids remembered to drop duplicates between the replay and the live bus */
  seenWindow: number;
  /** a client this far behind is cut off; it resumes with Last-Event-ID */
  maxBufferedBytes: number;
  /** told before a too-slow client is closed */
  onSlowClient?: (() => void) | undefined;
  /** the replay threw; the stream is closed right after */
  onReplayError: (err: unknown, stream: SseStream) => void;
}

export const PING = ": ping\n\n";

/**
 * The `id:` line of an event: its place in the order of publication, which a reconnecting
 * client sends back as Last-Event-ID. An event without one (not from the relay) gets no id
 * line, so the client keeps the last place it had.
 */
export const sseId = (e: HubEvent) => (e.seq === undefined ? "" : `id: ${e.seq}\n`);

/**
 * Serves one event stream on a response the caller has already hijacked. Resolves once the
 * replay is done (the live part goes on until the stream closes).
 */
export async function serveSse(res: ServerResponse, opts: SseOptions): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    ...opts.headers,
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write(`retry: ${opts.retryMs}\n: connected\n\n`);

  const seen = new Set<number>();
  let buffered: HubEvent[] | undefined = [];
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    opts.closing.removeEventListener("abort", close);
    res.off("close", close);
    if (!res.writableEnded) res.end();
  };

  const stream: SseStream = {
    get closed() {
      return closed;
    },
    write: (chunk) => {
      res.write(chunk);
    },
    close,
  };

  const send = (e: HubEvent) => {
    if (closed || seen.has(e.id) || (opts.filter && !opts.filter(e))) return;
    seen.add(e.id);
    if (seen.size > opts.seenWindow) {
      const oldest = seen.values().next().value;
      if (oldest !== undefined) seen.delete(oldest);
    }
    res.write(opts.frame(e));
    if (res.writableLength > opts.maxBufferedBytes) {
      opts.onSlowClient?.();
      close();
    }
  };

  // Subscribe before reading the database: whatever is published meanwhile waits in `buffered`.
  const unsubscribe = opts.subscribe((e) => {
    if (buffered) buffered.push(e);
    else send(e);
  });
  const heartbeat = setInterval(() => {
    if (closed) return;
    if (opts.onHeartbeat) opts.onHeartbeat(stream);
    else res.write(PING);
  }, opts.heartbeatMs);
  res.on("close", close);
  opts.closing.addEventListener("abort", close, { once: true });
  if (opts.closing.aborted) close();

  try {
    if (opts.replay) await opts.replay(send, stream);
    const pending = buffered;
    buffered = undefined;
    for (const e of pending ?? []) send(e);
  } catch (err) {
    opts.onReplayError(err, stream);
    close();
  }
}
