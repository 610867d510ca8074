import type { NatsConnection } from "nats";
import type { HubEvent } from "../../src/core/types.ts";
import type { Sql } from "../../src/db/sql.ts";
import { decodeEvent } from "../../src/events/event-codec.ts";
import type { EventPublisher } from "../../src/events/types.ts";

/** Inserts one event the way the hub does: in the caller's transaction, or its own. */
export async function insertEvent(
  sql: Sql,
  e: { type?: string; entityId: string; payload?: Record<string, unknown> },
): Promise<number> {
  const r = await sql.query<{ id: number }>(
    `INSERT INTO events (event_type, entity_type, entity_id, actor, payload)
     VALUES ($1, 'task', $2, 'test', $3::text::jsonb) RETURNING id`,
    [e.type ?? "task.updated", e.entityId, JSON.stringify(e.payload ?? {})],
  );
  return Number(r.rows[0]?.id);
}

/**
 * Writes the next event of `entity` with payload.n = its place in the entity's history. The
 * per-entity advisory lock serialises writers of one entity, as a row lock on the entity would.
 */
export function writeEntityEvent(sql: Sql, entity: string): Promise<number> {
  return sql.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [entity]);
    const r = await tx.query<{ n: number }>(
      "SELECT coalesce(max((payload->>'n')::int), 0)::int AS n FROM events WHERE entity_id = $1",
      [entity],
    );
    return insertEvent(tx, { entityId: entity, payload: { n: (r.rows[0]?.n ?? 0) + 1 } });
  });
}

/** A real publisher that also remembers which events it got an ack for, and in what order. */
export function recordingPublisher(
  inner: EventPublisher,
): EventPublisher & { acked: number[]; ackedSet: Set<number> } {
  const acked: number[] = [];
  const ackedSet = new Set<number>();
  return {
    acked,
    ackedSet,
    async publish(e, opts) {
      await inner.publish(e, opts);
      acked.push(e.id);
      ackedSet.add(e.id);
    },
    status: () => inner.status(),
    close: () => inner.close(),
  };
}

export interface StreamMsg {
  seq: number;
  subject: string;
  msgId: string | undefined;
  event: HubEvent;
}

/** Reads a stream from its first message through an ordered consumer, until `count` arrived. */
export async function readStream(nc: NatsConnection, stream: string, count: number, timeoutMs = 20_000) {
  const out: StreamMsg[] = [];
  const consumer = await nc.jetstream().consumers.get(stream);
  const deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    if (Date.now() > deadline) throw new Error(`read ${out.length} of ${count} messages from ${stream}`);
    const batch = await consumer.fetch({ max_messages: Math.min(256, count - out.length), expires: 1_000 });
    for await (const m of batch) {
      out.push({
        seq: m.seq,
        subject: m.subject,
        msgId: m.headers?.get("Nats-Msg-Id"),
        event: decodeEvent(m.data),
      });
    }
  }
  return out;
}

/** Unpublished events that are marked published without an ack: must stay empty. */
export async function markedWithoutAck(sql: Sql, acked: Set<number>): Promise<number[]> {
  const r = await sql.query<{ id: number }>(
    "SELECT id FROM events e WHERE NOT agentops_event_unpublished(e.id) ORDER BY id",
  );
  return r.rows.map((x) => Number(x.id)).filter((id) => !acked.has(id));
}
