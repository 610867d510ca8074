import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { type EventRow, eventFromRow } from "./rows.ts";
import type { Actor, HubEvent } from "./types.ts";
import { requireInt } from "./validate.ts";

export interface NewEvent {
  /** e.g. task.created, project.paused, agent.offline */
  type: string;
  entityType: "task" | "project" | "agent" | "artifact" | "tool" | (string & {});
  entityId: string;
  actor: Actor;
  payload: Record<string, unknown>;
}

/**
 * Writes to the outbox. Call it with the mutation's transaction, so the event exists exactly
 * when the change does. The actor goes in the column (its name) and in the payload (kind and
 * channel), so a notifier can skip echoing a person's own action back to them.
 */
export async function emitEvent(sql: Sql, e: NewEvent): Promise<HubEvent> {
  const r = await sql.query<EventRow>(
    `INSERT INTO events (event_type, entity_type, entity_id, actor, payload)
     VALUES ($1, $2, $3, $4, $5::text::jsonb)
     RETURNING id, event_type, entity_type, entity_id, actor, payload, created_at`,
    [e.type, e.entityType, e.entityId, e.actor.name, JSON.stringify(withActor(e))],
  );
  return eventFromRow(r.rows[0] as EventRow);
}

/** Many events in one statement (a batch claim or a reaper pass). */
export async function emitEvents(sql: Sql, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await sql.query(
    `INSERT INTO events (event_type, entity_type, entity_id, actor, payload)
     SELECT e.type, e.entity_type, e.entity_id, e.actor, e.payload::jsonb
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
          WITH ORDINALITY AS e(type, entity_type, entity_id, actor, payload, n)
     ORDER BY e.n`,
    [
      events.map((e) => e.type),
      events.map((e) => e.entityType),
      events.map((e) => e.entityId),
      events.map((e) => e.actor.name),
      events.map((e) => JSON.stringify(withActor(e))),
    ],
  );
}

const withActor = (e: NewEvent) => ({
  ...e.payload,
  actor: { kind: e.actor.kind, name: e.actor.name, ...(e.actor.channel ? { channel: e.actor.channel } : {}) },
});

export interface ListEventsFilter {
  /** exclusive: events with a greater id */
  since?: number;
  types?: string[];
  entityType?: string;
  entityId?: string;
  limit?: number;
}

export async function listEvents(sql: Sql, f: ListEventsFilter = {}): Promise<HubEvent[]> {
  if (f.since !== undefined && (!Number.isSafeInteger(f.since) || f.since < 0)) {
    throw new HubError(
      "validation",
      `since must be an event id (a whole number); got ${JSON.stringify(f.since)}.`,
    );
  }
  const limit = f.limit === undefined ? 100 : requireInt("limit", f.limit, 1, 1000);
  const r = await sql.query<EventRow>(
    `SELECT id, event_type, entity_type, entity_id, actor, payload, created_at,
            agentops_event_seq(events.id) AS seq
     FROM events
     WHERE ($1::bigint IS NULL OR id > $1)
       AND ($2::text[] IS NULL OR event_type = ANY($2))
       AND ($3::text IS NULL OR entity_type = $3)
       AND ($4::text IS NULL OR entity_id = $4)
     ORDER BY id
     LIMIT $5`,
    [f.since ?? null, f.types ?? null, f.entityType ?? null, f.entityId ?? null, limit],
  );
  return r.rows.map(eventFromRow);
}

export interface PublishedEventsFilter {
  /** exclusive: events published after this place in the order of publication (event_feed.seq) */
  afterSeq?: number;
  /**
   * exclusive: events published after this event was (a cursor handed out as an event id). An
   * id the feed does not hold counts from the nearest published event below it. Wins over
   * afterSeq.
   */
  afterEvent?: number;
  /** exact event types; with typePrefixes, an event matching either is listed; none: all */
  types?: string[];
  /** type prefixes, "task." for task.* */
  typePrefixes?: string[];
  limit?: number;
}

/**
 * Published events in the order of publication, for cursors. Event ids follow the order events
 * were written, not the order they commit in: a client paging by id could move past an event
 * that committed late with a smaller id and never see it. The order of publication has no such
 * gap (the relay publishes only events no open transaction can precede), so a cursor over it
 * skips nothing; an event is listed here once published, normally within milliseconds.
 */
export async function listPublishedEvents(sql: Sql, f: PublishedEventsFilter = {}): Promise<HubEvent[]> {
  return (await listPublishedPage(sql, f)).events;
}

/**
 * listPublishedEvents, and the cursor for the next page (an event id, for afterEvent): after
 * the last event listed; or, when fewer than `limit` matched, after the last event published,
 * since every one up to it was looked at (a poll for a rare type starts where this one
 * stopped, not again from its own cursor). Undefined when nothing was published after it.
 */
export async function listPublishedPage(
  sql: Sql,
  f: PublishedEventsFilter = {},
): Promise<{ events: HubEvent[]; nextEvent?: number }> {
  for (const v of [f.afterEvent, f.afterSeq]) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
      throw new HubError("validation", `since must be a whole number; got ${JSON.stringify(v)}.`);
    }
  }
  const limit = f.limit === undefined ? 100 : requireInt("limit", f.limit, 1, 1000);
  const types = f.types ?? [];
  const prefixes = (f.typePrefixes ?? []).map((p) => `${p.replace(/[\\%_]/g, "\\$&")}%`);
  // The places after the cursor (agentops_published_after walks them by their indexes), each
  // event by its own (OFFSET 0 keeps the planner from joining whole tables). An event id not
  // published counts from the nearest published event below it. The last place comes from
  // the same snapshot as the page, so nothing published in between is passed over.
  const r = await sql.query<EventRow & { after_seq: string; end_seq: string; end_id: string | null }>(
    `WITH a AS (
       SELECT CASE WHEN $2::bigint IS NULL THEN coalesce($1::bigint, 0)
              ELSE coalesce(agentops_event_seq($2),
                            (SELECT s FROM (SELECT agentops_event_seq(id) AS s FROM events
                                            WHERE id < $2 ORDER BY id DESC) below
                             WHERE s IS NOT NULL LIMIT 1), 0) END AS after_seq
     ), page AS (
       SELECT p.seq, e.id, e.event_type, e.entity_type, e.entity_id, e.actor, e.payload, e.created_at
       FROM a, agentops_published_after(a.after_seq, $6, $3, $4::text[], $5::text[]) p,
            LATERAL (SELECT * FROM events WHERE id = p.event_id OFFSET 0) e
     )
     SELECT page.*, a.after_seq, agentops_last_seq() AS end_seq, agentops_last_published_id() AS end_id
     FROM a LEFT JOIN page ON true
     ORDER BY page.seq`,
    [
      f.afterSeq ?? null,
      f.afterEvent ?? null,
      types.length === 0 && prefixes.length === 0,
      types,
      prefixes,
      limit,
    ],
  );
  const rows = r.rows.filter((row) => row.id !== null);
  const events = rows.map(eventFromRow);
  const ends = r.rows[0];
  const last = events.at(-1);
  if (events.length === limit && last) return { events, nextEvent: last.id };
  if (ends?.end_id != null && Number(ends.end_seq) > Number(ends.after_seq))
    return { events, nextEvent: Number(ends.end_id) };
  return last ? { events, nextEvent: last.id } : { events };
}
