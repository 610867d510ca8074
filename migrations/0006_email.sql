-- 0006: the email channel. A thread is a session: its root Message-ID is the conversation key,
-- every message in it (received or sent) maps back to it, and it belongs to at most one task.
-- Attachments wait in email_attachments until the thread has a task to link them to.

CREATE TABLE IF NOT EXISTS email_threads (
    thread_key TEXT PRIMARY KEY,
    -- the person's address (lowercased): where the thread's mail goes
    participant TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    -- set once, from the first reply about a task; no foreign key: tasks are referenced by number
    task_number INTEGER,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_email_threads_task ON email_threads (task_number, updated_at)
    WHERE task_number IS NOT NULL;

CREATE TABLE IF NOT EXISTS email_messages (
    -- without angle brackets; a hash of the bytes when the message had none
    message_id TEXT PRIMARY KEY,
    thread_key TEXT NOT NULL REFERENCES email_threads (thread_key) ON DELETE CASCADE,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    sender TEXT NOT NULL,
    -- received mail: when it was handled (dispatched and answered); NULL while in flight
    handled_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_email_messages_thread ON email_messages (thread_key, created_at);

CREATE TABLE IF NOT EXISTS email_attachments (
    id BIGSERIAL PRIMARY KEY,
    thread_key TEXT NOT NULL REFERENCES email_threads (thread_key) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    name TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    uri TEXT NOT NULL,
    size_bytes BIGINT NOT NULL CHECK (size_bytes >= 0),
    checksum TEXT NOT NULL,
    task_number INTEGER,
    linked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (message_id, checksum, name)
);

CREATE INDEX IF NOT EXISTS idx_email_attachments_unlinked ON email_attachments (thread_key)
    WHERE linked_at IS NULL;
