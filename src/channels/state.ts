import type { Sql } from "../db/sql.ts";

/** A small persisted value per channel: Telegram's update offset, IMAP's UIDVALIDITY and last UID. */
export async function getChannelState<T>(sql: Sql, channel: string, key: string): Promise<T | undefined> {
  const r = await sql.query<{ value: T }>("SELECT value FROM channel_state WHERE channel = $1 AND key = $2", [
    channel,
    key,
  ]);
  return r.rows[0]?.value;
}

export async function setChannelState(sql: Sql, channel: string, key: string, value: unknown): Promise<void> {
  await sql.query(
    `INSERT INTO channel_state (channel, key, value) VALUES ($1, $2, $3::jsonb)
     ON CONFLICT (channel, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [channel, key, JSON.stringify(value)],
  );
}
