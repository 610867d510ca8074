import type { Sql } from "../../src/db/sql.ts";

/** One email thread: a session with one person, about at most one task. */
export interface EmailThread {
  threadKey: string;
  participant: string;
  subject: string;
  taskNumber: number | undefined;
}

interface ThreadRow {
  thread_key: string;
  participant: string;
  subject: string;
  task_number: number | null;
}

const toThread = (r: ThreadRow): EmailThread => ({
  threadKey: r.thread_key,
  participant: r.participant,
  subject: r.subject,
  taskNumber: r.task_number ?? undefined,
});

const COLS = "t.thread_key, t.participant, t.subject, t.task_number";

/** The thread one of these Message-IDs belongs to; earlier ids in the list win. */
export async function findThreadByMessageIds(
  sql: Sql,
  ids: readonly string[],
): Promise<EmailThread | undefined> {
  if (ids.length === 0) return undefined;
  const r = await sql.query<ThreadRow & { message_id: string }>(
    `SELECT ${COLS}, m.message_id FROM email_messages m JOIN email_threads t ON t.thread_key = m.thread_key
     WHERE m.message_id = ANY($1::text[])`,
    [ids],
  );
  for (const id of ids) {
    const row = r.rows.find((x) => x.message_id === id);
    if (row) return toThread(row);
  }
  return undefined;
}

export async function getThread(sql: Sql, threadKey: string): Promise<EmailThread | undefined> {
  const r = await sql.query<ThreadRow>(`SELECT ${COLS} FROM email_threads t WHERE t.thread_key = $1`, [
    threadKey,
  ]);
  return r.rows[0] && toThread(r.rows[0]);
}

/** The task's thread (the most recently active one, should there be several). */
export async function findThreadByTask(sql: Sql, taskNumber: number): Promise<EmailThread | undefined> {
  const r = await sql.query<ThreadRow>(
    `SELECT ${COLS} FROM email_threads t WHERE t.task_number = $1 ORDER BY t.updated_at DESC LIMIT 1`,
    [taskNumber],
  );
  return r.rows[0] && toThread(r.rows[0]);
}

export async function createThread(
  sql: Sql,
  t: { threadKey: string; participant: string; subject: string; taskNumber?: number | undefined },
): Promise<void> {
  await sql.query(
    `INSERT INTO email_threads (thread_key, participant, subject, task_number) VALUES ($1, $2, $3, $4)
     ON CONFLICT (thread_key) DO NOTHING`,
    [t.threadKey, t.participant, t.subject, t.taskNumber ?? null],
  );
}

/** A thread takes the first task it is about and keeps it. */
export async function setThreadTask(sql: Sql, threadKey: string, taskNumber: number): Promise<void> {
  await sql.query(
    `UPDATE email_threads SET task_number = $2, updated_at = now()
     WHERE thread_key = $1 AND task_number IS NULL`,
    [threadKey, taskNumber],
  );
}

export async function recordMessage(
  sql: Sql,
  m: { messageId: string; threadKey: string; direction: "in" | "out"; sender: string; handled?: boolean },
): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO email_messages (message_id, thread_key, direction, sender, handled_at)
       VALUES ($1, $2, $3, $4, CASE WHEN $5::boolean THEN now() END)
       ON CONFLICT (message_id) DO NOTHING`,
      [m.messageId, m.threadKey, m.direction, m.sender, m.handled ?? m.direction === "out"],
    );
    await tx.query("UPDATE email_threads SET updated_at = now() WHERE thread_key = $1", [m.threadKey]);
  });
}

export async function markHandled(sql: Sql, messageId: string): Promise<void> {
  await sql.query(
    "UPDATE email_messages SET handled_at = now() WHERE message_id = $1 AND handled_at IS NULL",
    [messageId],
  );
}

/** True when this received message was already dispatched and answered (a rescan after UIDVALIDITY changed). */
export async function wasHandled(sql: Sql, messageId: string): Promise<boolean> {
  const r = await sql.query(
    "SELECT 1 FROM email_messages WHERE message_id = $1 AND direction = 'in' AND handled_at IS NOT NULL",
    [messageId],
  );
  return r.rowCount > 0;
}

/** The thread's Message-IDs, oldest first: the root, then every message in and out. */
export async function threadChain(sql: Sql, threadKey: string): Promise<string[]> {
  const r = await sql.query<{ message_id: string }>(
    `SELECT message_id FROM email_messages WHERE thread_key = $1
     ORDER BY (message_id = $1) DESC, created_at, message_id`,
    [threadKey],
  );
  return r.rows.map((x) => x.message_id);
}

export interface PendingAttachment {
  id: number;
  name: string;
  mimeType: string;
  uri: string;
  sizeBytes: number;
  checksum: string;
  messageId: string;
}

export async function addAttachment(
  sql: Sql,
  a: Omit<PendingAttachment, "id"> & { threadKey: string },
): Promise<void> {
  await sql.query(
    `INSERT INTO email_attachments (thread_key, message_id, name, mime_type, uri, size_bytes, checksum)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id, checksum, name) DO NOTHING`,
    [a.threadKey, a.messageId, a.name, a.mimeType, a.uri, a.sizeBytes, a.checksum],
  );
}

/**
 * Claims the thread's attachments not yet linked to a task (marks them linked to `taskNumber`),
 * so two handlers never link one twice. `unclaimAttachment` gives one back when linking failed.
 */
export async function claimUnlinkedAttachments(
  sql: Sql,
  threadKey: string,
  taskNumber: number,
): Promise<PendingAttachment[]> {
  const r = await sql.query<{
    id: string;
    name: string;
    mime_type: string;
    uri: string;
    size_bytes: string;
    checksum: string;
    message_id: string;
  }>(
    `UPDATE email_attachments SET task_number = $2, linked_at = now()
     WHERE thread_key = $1 AND linked_at IS NULL
     RETURNING id, name, mime_type, uri, size_bytes, checksum, message_id`,
    [threadKey, taskNumber],
  );
  return r.rows
    .map((x) => ({
      id: Number(x.id),
      name: x.name,
      mimeType: x.mime_type,
      uri: x.uri,
      sizeBytes: Number(x.size_bytes),
      checksum: x.checksum,
      messageId: x.message_id,
    }))
    .sort((a, b) => a.id - b.id);
}

export async function unclaimAttachment(sql: Sql, id: number): Promise<void> {
  await sql.query("UPDATE email_attachments SET task_number = NULL, linked_at = NULL WHERE id = $1", [id]);
}
