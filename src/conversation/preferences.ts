import type { Sql } from "../db/sql.ts";

export type NotifyLevel = "all" | "important" | "none";
export const OWNER = "owner";

export interface Preferences {
  level: NotifyLevel;
  /** where notifications go: set with notify.set (pinned), or the last place the person talked */
  channel: string | null;
  conversation: string | null;
  pinned: boolean;
  /** the last conversation seen on each channel */
  conversations: Record<string, string>;
  /** the highest event id the notifier handled */
  lastEventId: number | null;
  /** the notifier's place in the order of publication (event_feed.seq): where it resumes */
  lastEventSeq: number | null;
  lastBriefingAt: Date | null;
}

interface Row {
  level: NotifyLevel;
  channel: string | null;
  conversation: string | null;
  pinned: boolean;
  conversations: Record<string, string> | null;
  last_event_id: number | string | null;
  last_event_seq: number | string | null;
  last_briefing_at: Date | null;
}

const DEFAULTS: Preferences = {
  level: "important",
  channel: null,
  conversation: null,
  pinned: false,
  conversations: {},
  lastEventId: null,
  lastEventSeq: null,
  lastBriefingAt: null,
};

// Channels that cannot carry a message the hub starts: a voice call ends, a web page closes.
const NOT_NOTIFIABLE = new Set(["voice", "web"]);

export async function getPreferences(sql: Sql, person = OWNER): Promise<Preferences> {
  const r = await sql.query<Row>(
    `SELECT level, channel, conversation, pinned, conversations, last_event_id, last_event_seq,
            last_briefing_at
     FROM notification_preferences WHERE person = $1`,
    [person],
  );
  const row = r.rows[0];
  if (!row) return { ...DEFAULTS, conversations: {} };
  return {
    level: row.level,
    channel: row.channel,
    conversation: row.conversation,
    pinned: row.pinned,
    conversations: row.conversations ?? {},
    lastEventId: row.last_event_id == null ? null : Number(row.last_event_id),
    lastEventSeq: row.last_event_seq == null ? null : Number(row.last_event_seq),
    lastBriefingAt: row.last_briefing_at,
  };
}

/**
 * The person talked here: remember it, and follow them here unless they pinned a channel. A
 * terminal chat is closed as soon as they leave it, so it takes notifications only when no
 * other channel is known.
 */
export async function noteConversation(sql: Sql, channel: string, conversation: string, person = OWNER) {
  if (NOT_NOTIFIABLE.has(channel)) return;
  await sql.query(
    `INSERT INTO notification_preferences (person, channel, conversation, conversations)
     VALUES ($1, $2, $3, jsonb_build_object($2::text, $3::text))
     ON CONFLICT (person) DO UPDATE SET
       conversations = notification_preferences.conversations || jsonb_build_object($2::text, $3::text),
       channel = CASE WHEN ${KEEP} THEN notification_preferences.channel ELSE $2 END,
       conversation = CASE WHEN ${KEEP} THEN notification_preferences.conversation ELSE $3 END,
       updated_at = now()`,
    [person, channel, conversation],
  );
}

const KEEP = `notification_preferences.pinned
  OR ($2 = 'terminal' AND notification_preferences.channel IS NOT NULL AND notification_preferences.channel <> 'terminal')`;

export async function setNotification(
  sql: Sql,
  p: { level: NotifyLevel; channel: string | null; conversation: string | null; pinned: boolean },
  person = OWNER,
) {
  await sql.query(
    `INSERT INTO notification_preferences (person, level, channel, conversation, pinned)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (person) DO UPDATE SET level = $2, channel = $3, conversation = $4, pinned = $5,
       updated_at = now()`,
    [person, p.level, p.channel, p.conversation, p.pinned],
  );
}

/** The notifier's cursor: the last event it told the person about (or chose not to). */
/** The notifier handled events up to `id`, and (following the bus) up to the place `seq`. */
export async function setLastEventId(sql: Sql, id: number, seq?: number, person = OWNER) {
  await sql.query(
    `INSERT INTO notification_preferences (person, last_event_id, last_event_seq) VALUES ($1, $2, $3)
     ON CONFLICT (person) DO UPDATE SET
       last_event_id = GREATEST(coalesce(notification_preferences.last_event_id, 0), $2),
       last_event_seq = GREATEST(notification_preferences.last_event_seq, $3), updated_at = now()`,
    [person, id, seq ?? null],
  );
}

/**
 * Takes the daily briefing due at `at`: true for exactly one caller, so two hub instances (or a
 * restart within the minute) never send it twice.
 */
export async function claimBriefing(sql: Sql, at: Date, person = OWNER): Promise<boolean> {
  const r = await sql.query(
    `INSERT INTO notification_preferences (person, last_briefing_at) VALUES ($1, $2)
     ON CONFLICT (person) DO UPDATE SET last_briefing_at = $2, updated_at = now()
     WHERE notification_preferences.last_briefing_at IS NULL OR notification_preferences.last_briefing_at < $2
     RETURNING person`,
    [person, at],
  );
  return r.rowCount > 0;
}
