import { getChannelState, setChannelState } from "../../src/channels/state.ts";
import type { Sql } from "../../src/db/sql.ts";

export const OFFSET_CHANNEL = "telegram";
export const OFFSET_KEY = "offset";

/** The next update_id to ask Telegram for: one past the last update that was fully handled. */
export async function loadOffset(sql: Sql): Promise<number | undefined> {
  const v = await getChannelState<unknown>(sql, OFFSET_CHANNEL, OFFSET_KEY);
  return typeof v === "number" && Number.isSafeInteger(v) ? v : undefined;
}

export async function saveOffset(sql: Sql, offset: number): Promise<void> {
  await setChannelState(sql, OFFSET_CHANNEL, OFFSET_KEY, offset);
}
