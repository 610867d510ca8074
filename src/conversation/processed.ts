import type { Sql } from "../db/sql.ts";

/** A cheap early look, so a redelivery is not parsed (or sent to an LLM) again. */
export async function alreadyHandled(sql: Sql, channel: string, messageId: string): Promise<boolean> {
  const r = await sql.query("SELECT 1 FROM processed_messages WHERE channel = $1 AND message_id = $2", [
    channel,
    messageId,
  ]);
  return r.rowCount > 0;
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

export async function recordIntent(
  sql: Sql,
  channel: string,
  messageId: string,
  intent: string,
): Promise<void> {
  await sql.query("UPDATE processed_messages SET intent = $3 WHERE channel = $1 AND message_id = $2", [
    channel,
    messageId,
    intent,
  ]);
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
