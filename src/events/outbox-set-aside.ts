import type { Sql } from "../db/sql.ts";

/** An event NATS refused for good (too large), kept out of the way of the others. */
export interface SetAsideEvent {
  eventId: number;
  type: string;
  attempts: number;
  error: string;
  setAsideAt: Date;
}

export async function listSetAside(sql: Sql): Promise<SetAsideEvent[]> {
  const r = await sql.query<{
    event_id: number;
    event_type: string | null;
    attempts: number;
    error: string;
    set_aside_at: Date | string;
  }>(
    `SELECT s.event_id, e.event_type, s.attempts, s.error, s.set_aside_at
     FROM outbox_set_aside s LEFT JOIN events e ON e.id = s.event_id ORDER BY s.event_id`,
  );
  return r.rows.map((x) => ({
    eventId: Number(x.event_id),
    type: x.event_type ?? "(event gone)",
    attempts: x.attempts,
    error: x.error,
    setAsideAt: new Date(x.set_aside_at),
  }));
}

/**
 * Queues set-aside events again (all, or those named), say after NATS was given a larger
 * max_payload. Returns how many went back. Only NATS gets them then: the hub's own consumers
 * had them when they were set aside.
 */
export async function requeueSetAside(sql: Sql, eventIds?: readonly number[]): Promise<number> {
  const r = await sql.query(
    `WITH moved AS (
       DELETE FROM outbox_set_aside
       WHERE $1::bigint[] IS NULL OR event_id = ANY($1::bigint[])
       RETURNING event_id, attempts)
     INSERT INTO outbox (event_id, attempts, republish)
     SELECT m.event_id, m.attempts, true FROM moved m JOIN events e ON e.id = m.event_id
     ON CONFLICT (event_id) DO NOTHING`,
    [eventIds ? [...eventIds] : null],
  );
  return r.rowCount ?? 0;
}
