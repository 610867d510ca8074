-- 0004: what the conversation layer keeps: which channel messages were already handled, who
-- may speak for the owner (paired identities, one-time pairing codes, refusals already sent),
-- each conversation's state (last task, pending question, undo stack), and the person's
-- notification preferences with the notifier's event cursor.

CREATE TABLE IF NOT EXISTS processed_messages (
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL,
    -- written in the same transaction as the operation: a row exists only for handled messages
    intent TEXT,
    handled_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, message_id)
);
CREATE INDEX IF NOT EXISTS idx_processed_messages_handled ON processed_messages (handled_at);

CREATE TABLE IF NOT EXISTS identities (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    -- channel:sender, e.g. telegram:12345, email:ana@example.com, phone:+33612345678
    identity TEXT NOT NULL CHECK (length(identity) BETWEEN 3 AND 320),
    person TEXT NOT NULL DEFAULT 'owner',
    label TEXT,
    paired_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX IF NOT EXISTS identities_active_key ON identities (identity) WHERE revoked_at IS NULL;

CREATE TABLE IF NOT EXISTS pairing_codes (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    code_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    used_by TEXT
);

CREATE TABLE IF NOT EXISTS sender_refusals (
    identity TEXT PRIMARY KEY,
    last_refused_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    refusals INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS conversation_state (
    channel TEXT NOT NULL,
    conversation TEXT NOT NULL,
    last_task_number BIGINT,
    -- a question waiting for an answer: a confirmation or a choice among tasks
    pending JSONB,
    -- newest last; what `undo` needs (snapshots the core returned)
    undo_stack JSONB NOT NULL DEFAULT '[]'::jsonb,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, conversation)
);

CREATE TABLE IF NOT EXISTS notification_preferences (
    person TEXT PRIMARY KEY,
    level TEXT NOT NULL DEFAULT 'important' CHECK (level IN ('all', 'important', 'none')),
    channel TEXT,
    conversation TEXT,
    -- true when set with notify.set: the last channel talked on no longer moves it
    pinned BOOLEAN NOT NULL DEFAULT false,
    -- the last conversation seen on each channel: {"telegram": "12345"}
    conversations JSONB NOT NULL DEFAULT '{}'::jsonb,
    last_event_id BIGINT,
    last_briefing_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
