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
            (SELECT f.seq FROM event_feed f WHERE f.event_id = events.id) AS seq
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
