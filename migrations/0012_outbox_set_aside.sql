-- 0012: an event NATS can never take (larger than the server's max_payload) is set aside here,
-- instead of holding every later event back forever. `agentops outbox retry` queues it again,
-- say once NATS takes larger messages.
CREATE TABLE IF NOT EXISTS outbox_set_aside (
    event_id BIGINT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    error TEXT NOT NULL,
    set_aside_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Queued again by `agentops outbox retry`: this process's own consumers had it when it was set
-- aside, so only NATS gets it now.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS republish BOOLEAN NOT NULL DEFAULT false;
