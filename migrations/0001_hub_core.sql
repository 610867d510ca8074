-- 0001: what the hub adds to the original AgentOps schema (version 0).
-- Task numbers, due dates, leases with fencing tokens, API keys, the event outbox,
-- idempotency keys. Existing rows keep their data; tasks are numbered in creation order.

CREATE SEQUENCE IF NOT EXISTS tasks_number_seq;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS number BIGINT;
UPDATE tasks SET number = s.n
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM tasks) s
WHERE tasks.id = s.id AND tasks.number IS NULL;
SELECT setval('tasks_number_seq', GREATEST((SELECT coalesce(max(number), 0) FROM tasks), 1),
              (SELECT count(*) > 0 FROM tasks));
ALTER TABLE tasks ALTER COLUMN number SET DEFAULT nextval('tasks_number_seq');
ALTER TABLE tasks ALTER COLUMN number SET NOT NULL;
ALTER SEQUENCE tasks_number_seq OWNED BY tasks.number;
CREATE UNIQUE INDEX IF NOT EXISTS tasks_number_key ON tasks (number);

ALTER TABLE tasks ADD COLUMN IF NOT EXISTS due_at TIMESTAMPTZ;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS claimed_by TEXT;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS claimed_at TIMESTAMPTZ;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS lease_expires_at TIMESTAMPTZ;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS claim_token UUID;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS max_attempts INTEGER NOT NULL DEFAULT 3;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS blocked_reason TEXT;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS created_by TEXT;
ALTER TABLE tasks ADD CONSTRAINT tasks_attempts_check CHECK (attempts >= 0);
ALTER TABLE tasks ADD CONSTRAINT tasks_max_attempts_check CHECK (max_attempts >= 1);
CREATE INDEX IF NOT EXISTS idx_tasks_claimable ON tasks (priority DESC, created_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS idx_tasks_lease ON tasks (lease_expires_at) WHERE status = 'in_progress';
CREATE INDEX IF NOT EXISTS idx_tasks_due ON tasks (due_at) WHERE due_at IS NOT NULL;

ALTER TABLE agents ADD COLUMN IF NOT EXISTS last_heartbeat_at TIMESTAMPTZ;

CREATE TABLE IF NOT EXISTS api_keys (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    agent_name TEXT REFERENCES agents(name) ON UPDATE CASCADE ON DELETE CASCADE,
    is_admin BOOLEAN NOT NULL DEFAULT false,
    label TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    CHECK (is_admin OR agent_name IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS idx_api_keys_agent ON api_keys (agent_name);

-- The outbox: an event is unpublished until published_at is set. tx_id lets the publisher
-- wait for older transactions still in flight, so events leave in commit order.
ALTER TABLE events ADD COLUMN IF NOT EXISTS tx_id xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE events ADD COLUMN IF NOT EXISTS published_at TIMESTAMPTZ;
ALTER TABLE events ADD COLUMN IF NOT EXISTS publish_attempts INTEGER NOT NULL DEFAULT 0;
-- Events from before the hub were never meant for NATS: do not flood it with history.
UPDATE events SET published_at = created_at WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS idx_events_unpublished ON events (id) WHERE published_at IS NULL;

CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER,
    response JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

CREATE OR REPLACE FUNCTION notify_task_ready() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('agentops_task_ready', coalesce(NEW.assigned_to, ''));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS trg_tasks_ready ON tasks;
CREATE TRIGGER trg_tasks_ready AFTER INSERT OR UPDATE OF status ON tasks
    FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION notify_task_ready();

CREATE OR REPLACE VIEW active_tasks AS
SELECT t.id, t.title, t.status, t.priority, t.assigned_to, t.project_id,
       p.name AS project_name, t.created_at, t.updated_at,
       t.number, t.due_at, t.claimed_by, t.lease_expires_at
FROM tasks t
LEFT JOIN projects p ON p.id = t.project_id
WHERE t.status IN ('pending', 'in_progress', 'blocked')
ORDER BY t.priority DESC, t.created_at;

CREATE OR REPLACE VIEW agent_activity AS
SELECT a.name, a.type, a.status, a.last_seen_at, a.current_task_id,
       ct.title AS current_task_title,
       count(t.id) FILTER (WHERE t.status = 'completed') AS tasks_completed,
       count(t.id) FILTER (WHERE t.status = 'failed') AS tasks_failed,
       count(t.id) FILTER (WHERE t.status = 'in_progress') AS tasks_in_progress,
       a.last_heartbeat_at, ct.number AS current_task_number
FROM agents a
LEFT JOIN tasks ct ON ct.id = a.current_task_id
LEFT JOIN tasks t ON t.assigned_to = a.name
GROUP BY a.id, ct.title, ct.number;
