import type { Sql } from "../db/sql.ts";

/** What `yes` runs: the intent with its slots already resolved (task numbers, project ids). */
export interface PendingConfirm {
  kind: "confirm";
  intent: string;
  slots: Record<string, unknown>;
  /** checks already agreed to, so the rerun does not ask again */
  agreed: ("heard" | "destructive" | "asked")[];
  question: string;
  expiresAt: string;
}

/** "Which one?" after a title fragment matched several tasks; the next answer picks one. */
export interface PendingChoice {
  kind: "choose";
  intent: string;
  slots: Record<string, unknown>;
  options: { number: number; title: string }[];
  expiresAt: string;
}

export type Pending = PendingConfirm | PendingChoice;

/** What undo needs, newest last. Task snapshots are the `previous` the core returned, as JSON. */
export type UndoEntry =
  | {
      kind: "task.restore";
      taskNumber: number;
      snapshot: Record<string, unknown>;
      afterUpdatedAt: string;
      summary: string;
    }
  | { kind: "task.created"; taskNumber: number; afterUpdatedAt: string; summary: string }
  | { kind: "project.status"; projectId: string; name: string; previousStatus: string; summary: string }
  | { kind: "project.created"; projectId: string; name: string; summary: string }
  | {
      kind: "notify.set";
      previous: {
        level: "all" | "important" | "none";
        channel: string | null;
        conversation: string | null;
        pinned: boolean;
      };
      summary: string;
    }
  /** a change that cannot be taken back (a note the agent has read): undo says so instead of reaching further back */
  | { kind: "none"; reason: string };

export interface ConversationState {
  channel: string;
  conversation: string;
  lastTaskNumber: number | null;
  pending: Pending | null;
  undo: UndoEntry[];
}

const UNDO_DEPTH = 10;

interface StateRow {
  last_task_number: number | string | null;
  pending: Pending | null;
  undo_stack: UndoEntry[] | null;
}

/**
 * The conversation's row, locked for the rest of the transaction: two messages of one
 * conversation are handled one after the other, each seeing what the previous left.
 */
export async function loadStateForUpdate(sql: Sql, channel: string, conversation: string) {
  await sql.query(
    `INSERT INTO conversation_state (channel, conversation) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    [channel, conversation],
  );
  const r = await sql.query<StateRow>(
    `SELECT last_task_number, pending, undo_stack FROM conversation_state
     WHERE channel = $1 AND conversation = $2 FOR UPDATE`,
    [channel, conversation],
  );
  const row = r.rows[0];
  return {
    channel,
    conversation,
    lastTaskNumber: row?.last_task_number == null ? null : Number(row.last_task_number),
    pending: row?.pending ?? null,
    undo: Array.isArray(row?.undo_stack) ? row.undo_stack : [],
  } satisfies ConversationState;
}

export async function saveState(sql: Sql, s: ConversationState): Promise<void> {
  await sql.query(
    `UPDATE conversation_state SET last_task_number = $3, pending = $4::jsonb, undo_stack = $5::jsonb,
       updated_at = now()
     WHERE channel = $1 AND conversation = $2`,
    [
      s.channel,
      s.conversation,
      s.lastTaskNumber,
      s.pending === null ? null : JSON.stringify(s.pending),
      JSON.stringify(s.undo.slice(-UNDO_DEPTH)),
    ],
  );
}

/** The notifier tells a conversation about a task: "reply to it" then means that task. */
export async function setLastTask(sql: Sql, channel: string, conversation: string, taskNumber: number) {
  await sql.query(
    `INSERT INTO conversation_state (channel, conversation, last_task_number) VALUES ($1, $2, $3)
     ON CONFLICT (channel, conversation) DO UPDATE SET last_task_number = EXCLUDED.last_task_number,
       updated_at = now()`,
    [channel, conversation, taskNumber],
  );
}

export function isExpired(p: Pending, now: Date): boolean {
  return Date.parse(p.expiresAt) <= now.getTime();
}
