import { getChannelState, setChannelState } from "../../src/channels/state.ts";
import type { Sql } from "../../src/db/sql.ts";

/** Where the watcher is in a mailbox: UIDs mean something only under one UIDVALIDITY. */
export interface MailboxState {
  uidValidity: string;
  lastUid: number;
}

const key = (mailbox: string) => `mailbox:${mailbox}`;

export async function loadMailboxState(sql: Sql, mailbox: string): Promise<MailboxState | undefined> {
  const v = await getChannelState<MailboxState>(sql, "email", key(mailbox));
  return v && typeof v.uidValidity === "string" && typeof v.lastUid === "number" ? v : undefined;
}

export async function saveMailboxState(sql: Sql, mailbox: string, state: MailboxState): Promise<void> {
  await setChannelState(sql, "email", key(mailbox), state);
}
