import type { Reply } from "../channels/types.ts";
import type { Sql } from "../db/sql.ts";

export interface Handled {
  /** the answer given, kept until the adapter confirms it went out */
  reply: Reply | null;
  delivered: boolean;
}

/** A cheap early look, so a redelivery is not parsed (or sent to an LLM) again. */
export async function handledMessage(
  sql: Sql,
  channel: string,
  messageId: string,
): Promise<Handled | undefined> {
  const r = await sql.query<{ reply: Reply | null; delivered: boolean }>(
    `SELECT reply, delivered_at IS NOT NULL AS delivered FROM processed_messages
     WHERE channel = $1 AND message_id = $2`,
    [channel, messageId],
  );
  return r.rows[0];
}

/** The reply reached the person: a later redelivery is silent, and the stored reply goes. */
export async function markDelivered(sql: Sql, channel: string, messageId: string): Promise<void> {
  await sql.query(
    `UPDATE processed_messages SET delivered_at = now(), reply = NULL
     WHERE channel = $1 AND message_id = $2 AND delivered_at IS NULL`,
    [channel, messageId],
  );
}

/**
 * Marks the message handled inside the transaction that handles it: the row commits with the
 * operation or not at all. A concurrent duplicate's insert waits on the unique key until the
 * first transaction ends, then finds the row and does nothing: false means "someone did it".
 */
export async function claimMessage(sql: Sql, channel: string, messageId: string): Promise<boolean> {
  const r = await sql.query(
    `INSERT INTO processed_messages (channel, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    [channel, messageId],
  );
  return r.rowCount > 0;
}

/** What the message became; the reply is kept only for adapters that confirm delivery. */
export async function recordOutcome(
  sql: Sql,
  channel: string,
  messageId: string,
  reply: Reply,
  keepReply: boolean,
): Promise<void> {
  await sql.query(
    "UPDATE processed_messages SET intent = $3, reply = $4::jsonb WHERE channel = $1 AND message_id = $2",
    [channel, messageId, reply.intent, keepReply ? JSON.stringify(reply) : null],
  );
}

/**
 * Forgets handled messages older than `days`: platforms redeliver within minutes or hours, so
 * a month of memory is plenty. For a periodic job (the lead wires it).
 */
export async function pruneProcessedMessages(sql: Sql, days = 30): Promise<number> {
  const r = await sql.query(
    "DELETE FROM processed_messages WHERE handled_at < now() - make_interval(days => $1)",
    [days],
  );
  return r.rowCount;
}
