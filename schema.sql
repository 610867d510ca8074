-- AgentOps Hub: the whole current schema. Applying it to an empty database gives the same
-- catalog as the original schema plus every file in migrations/ (test/db/migrate.test.ts checks).
-- Idempotent: applying it twice changes nothing.

CREATE TABLE IF NOT EXISTS projects (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'paused', 'completed', 'cancelled')),
    priority INTEGER NOT NULL DEFAULT 50 CHECK (priority BETWEEN 0 AND 100),
    metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS agents (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL DEFAULT 'worker'
        CHECK (type IN ('chief_of_staff', 'worker', 'specialist')),
    description TEXT,
    capabilities TEXT[] NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'idle'
        CHECK (status IN ('idle', 'busy', 'offline', 'error')),
    current_task_id UUID,
    config JSONB NOT NULL DEFAULT '{}'::jsonb,
    last_seen_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_heartbeat_at TIMESTAMPTZ
);

CREATE SEQUENCE IF NOT EXISTS tasks_number_seq;

CREATE TABLE IF NOT EXISTS tasks (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    -- what people say: "task 12"
    number BIGINT NOT NULL DEFAULT nextval('tasks_number_seq'),
    project_id UUID REFERENCES projects(id) ON DELETE SET NULL,
    parent_task_id UUID REFERENCES tasks(id) ON DELETE SET NULL,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    description TEXT,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'in_progress', 'blocked', 'completed', 'failed', 'cancelled')),
    priority INTEGER NOT NULL DEFAULT 50 CHECK (priority BETWEEN 0 AND 100),
    assigned_to TEXT REFERENCES agents(name) ON UPDATE CASCADE ON DELETE SET NULL,
    required_capabilities TEXT[] NOT NULL DEFAULT '{}',
    input JSONB NOT NULL DEFAULT '{}'::jsonb,
    result JSONB,
    error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    due_at TIMESTAMPTZ,
    -- the lease: who holds the task, until when, and the fencing token their writes must carry
    claimed_by TEXT,
    claimed_at TIMESTAMPTZ,
    lease_expires_at TIMESTAMPTZ,
    claim_token UUID,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    blocked_reason TEXT,
    created_by TEXT
);
ALTER SEQUENCE tasks_number_seq OWNED BY tasks.number;
CREATE UNIQUE INDEX IF NOT EXISTS tasks_number_key ON tasks (number);

CREATE TABLE IF NOT EXISTS task_updates (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id UUID NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    agent_name TEXT,
    update_type TEXT NOT NULL DEFAULT 'progress'
        CHECK (update_type IN ('progress', 'note', 'question', 'answer', 'status_change', 'comment', 'error')),
    message TEXT NOT NULL,
    data JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS events (
    id BIGSERIAL PRIMARY KEY,
    event_type TEXT NOT NULL,
    entity_type TEXT,
    entity_id TEXT,
    actor TEXT,
    payload JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- lets the outbox publisher wait for older transactions still in flight, so events leave
    -- in commit order, and a hub instance tell events committed before it started
    tx_id xid8 NOT NULL DEFAULT pg_current_xact_id()
);

CREATE TABLE IF NOT EXISTS artifacts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id UUID REFERENCES tasks(id) ON DELETE SET NULL,
    project_id UUID REFERENCES projects(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'file',
    uri TEXT NOT NULL,
    mime_type TEXT,
    size_bytes BIGINT CHECK (size_bytes IS NULL OR size_bytes >= 0),
    checksum TEXT,
    metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS tools (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    input_schema JSONB NOT NULL DEFAULT '{}'::jsonb,
    enabled BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS model_usage (
    id BIGSERIAL PRIMARY KEY,
    agent_name TEXT,
    task_id UUID REFERENCES tasks(id) ON DELETE SET NULL,
    provider TEXT,
    model TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
    completion_tokens INTEGER NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
    cost_usd NUMERIC(14, 6) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_tasks_status ON tasks (status);
CREATE INDEX IF NOT EXISTS idx_tasks_project ON tasks (project_id);
CREATE INDEX IF NOT EXISTS idx_tasks_assigned ON tasks (assigned_to);
CREATE INDEX IF NOT EXISTS idx_tasks_priority ON tasks (priority DESC, created_at);
CREATE INDEX IF NOT EXISTS idx_task_updates_task ON task_updates (task_id, created_at);
CREATE INDEX IF NOT EXISTS idx_events_type ON events (event_type, created_at);
CREATE INDEX IF NOT EXISTS idx_events_entity ON events (entity_type, entity_id);
CREATE INDEX IF NOT EXISTS idx_artifacts_task ON artifacts (task_id);
CREATE INDEX IF NOT EXISTS idx_model_usage_agent ON model_usage (agent_name, created_at);

CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS trg_projects_updated ON projects;
CREATE TRIGGER trg_projects_updated BEFORE UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
DROP TRIGGER IF EXISTS trg_tasks_updated ON tasks;
CREATE TRIGGER trg_tasks_updated BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
DROP TRIGGER IF EXISTS trg_agents_updated ON agents;
CREATE TRIGGER trg_agents_updated BEFORE UPDATE ON agents
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
DROP TRIGGER IF EXISTS trg_tools_updated ON tools;
CREATE TRIGGER trg_tools_updated BEFORE UPDATE ON tools
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE OR REPLACE VIEW project_progress AS
SELECT p.id, p.name, p.status, p.priority,
       count(t.id) AS total_tasks,
       count(t.id) FILTER (WHERE t.status = 'completed') AS completed_tasks,
       count(t.id) FILTER (WHERE t.status = 'in_progress') AS in_progress_tasks,
       count(t.id) FILTER (WHERE t.status = 'blocked') AS blocked_tasks,
       count(t.id) FILTER (WHERE t.status = 'pending') AS pending_tasks,
       count(t.id) FILTER (WHERE t.status = 'failed') AS failed_tasks,
       CASE WHEN count(t.id) FILTER (WHERE t.status <> 'cancelled') = 0 THEN 0
            ELSE round(100.0 * count(t.id) FILTER (WHERE t.status = 'completed')
                       / count(t.id) FILTER (WHERE t.status <> 'cancelled'), 1)
       END AS percent_complete
FROM projects p
LEFT JOIN tasks t ON t.project_id = p.id
GROUP BY p.id;

CREATE INDEX IF NOT EXISTS idx_tasks_claimable ON tasks (priority DESC, created_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS idx_tasks_lease ON tasks (lease_expires_at) WHERE status = 'in_progress';
CREATE INDEX IF NOT EXISTS idx_tasks_due ON tasks (due_at) WHERE due_at IS NOT NULL;

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

INSERT INTO agents (name, type, description, capabilities)
VALUES ('cos', 'chief_of_staff', 'Chief of Staff: talks with the person, plans and delegates', '{planning,coordination}'),
       ('seed', 'worker', 'General worker', '{general}')
ON CONFLICT (name) DO NOTHING;

INSERT INTO projects (name, description, priority)
SELECT 'System Initialization', 'Bring the AgentOps system up and check it end to end', 75
WHERE NOT EXISTS (SELECT 1 FROM projects WHERE name = 'System Initialization');

INSERT INTO tasks (project_id, title, description, priority, assigned_to)
SELECT p.id, 'Validate AgentOps System', 'Check that agents can claim, update and complete tasks', 75, 'seed'
FROM projects p
WHERE p.name = 'System Initialization'
  AND NOT EXISTS (SELECT 1 FROM tasks WHERE title = 'Validate AgentOps System');

-- migrations/0005_channel_state.sql

CREATE TABLE IF NOT EXISTS channel_state (
    channel TEXT NOT NULL,
    key TEXT NOT NULL,
    value JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, key)
);

CREATE TABLE IF NOT EXISTS singleton_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    -- grows on every change of holder: a stale holder's writes can be refused
    fencing_token BIGINT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- migrations/0004_conversation.sql

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

-- migrations/0002_outbox_notify.sql

CREATE OR REPLACE FUNCTION notify_events() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('agentops_events', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS trg_events_notify ON events;
CREATE TRIGGER trg_events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_events();

-- migrations/0006_email.sql


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

-- migrations/0007_web.sql
CREATE TABLE IF NOT EXISTS web_login_codes (
    code_hash TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL,
    -- single use: set when redeemed
    used_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS web_sessions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash TEXT NOT NULL UNIQUE,
    -- the browser's User-Agent at sign-in, shortened: tells sessions apart in the list
    label TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    -- "finished since your last visit" counts from the newest of these over all sessions
    seen_at TIMESTAMPTZ
);

CREATE INDEX IF NOT EXISTS idx_web_sessions_live ON web_sessions (expires_at) WHERE revoked_at IS NULL;

-- migrations/0008_reply_delivery.sql

ALTER TABLE processed_messages ADD COLUMN IF NOT EXISTS reply JSONB;
ALTER TABLE processed_messages ADD COLUMN IF NOT EXISTS delivered_at TIMESTAMPTZ;

-- migrations/0009_outbox_wake.sql

DROP TRIGGER IF EXISTS trg_events_notify ON events;
DROP FUNCTION IF EXISTS notify_events();

-- migrations/0010_claim_batch.sql
-- 0010: claims for several agents in one round trip. Each request claims in turn, seeing the
-- claims made before it in the same call, so no task goes to two agents; SKIP LOCKED keeps
-- concurrent calls from waiting on each other. claimNext is this function with one request.
-- Returns the claimed rows as `tasks`, so a column added to tasks comes back without a change
-- here. The task.claimed events are written by the calling statement (task-leases.ts).

CREATE OR REPLACE FUNCTION agentops_claim_tasks(requests jsonb, lease_seconds double precision)
RETURNS TABLE (claim_n integer, claimed tasks)
LANGUAGE plpgsql
-- Planned once per connection: the plan below holds for every request (the '{}' test and the
-- ARRAY() keep its estimates sane without the values), and planning it each call cost more
-- than running it.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    r record;
    caps text[];
BEGIN
    FOR r IN
        SELECT * FROM jsonb_to_recordset(requests)
            AS x(n integer, agent text, capabilities text[], projects uuid[], lim integer)
        ORDER BY x.n
    LOOP
        -- No capabilities given: the agent's registered ones. An unknown agent claims nothing.
        caps := coalesce(r.capabilities, (SELECT a.capabilities FROM agents a WHERE a.name = r.agent));
        CONTINUE WHEN caps IS NULL;
        RETURN QUERY
        UPDATE tasks SET status = 'in_progress', claimed_by = r.agent, claimed_at = now(),
            lease_expires_at = now() + make_interval(secs => lease_seconds),
            claim_token = gen_random_uuid(), attempts = tasks.attempts + 1,
            started_at = coalesce(tasks.started_at, now())
        WHERE tasks.status = 'pending' AND tasks.id = ANY (ARRAY(
            SELECT c.id FROM tasks c
            WHERE c.status = 'pending'
              AND (c.assigned_to IS NULL OR c.assigned_to = r.agent)
              -- The '{}' test is for the planner: most tasks need nothing, which it can see.
              AND (c.required_capabilities = '{}' OR c.required_capabilities <@ caps)
              AND (r.projects IS NULL OR c.project_id = ANY (r.projects))
              -- tasks of paused or cancelled projects wait
              AND NOT EXISTS (SELECT 1 FROM projects p
                              WHERE p.id = c.project_id AND p.status IN ('paused', 'cancelled'))
            ORDER BY c.priority DESC, c.created_at
            LIMIT r.lim
            FOR UPDATE OF c SKIP LOCKED))
        RETURNING r.n, tasks;
    END LOOP;
END
$$;

-- migrations/0011_outbox_table.sql
-- 0011: the outbox becomes a table of its own. An event is written once and never updated:
-- marking it published used to rewrite its row and every index entry (published_at was in a
-- partial index's predicate, so no update could be HOT), twice per task under load. Now the
-- event's insert queues its id here, and publishing deletes that small row.

CREATE TABLE IF NOT EXISTS outbox (
    event_id BIGINT PRIMARY KEY,
    -- failed publish attempts of this event
    attempts INTEGER NOT NULL DEFAULT 0
);
-- A queue: rows come and go all day, so vacuum it by the thousand rows, not by a share of a
-- size that is always near zero.
ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

-- What an earlier version left unpublished stays queued, with its attempts.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'events'
                 AND column_name = 'published_at') THEN
        INSERT INTO outbox (event_id, attempts)
        SELECT id, publish_attempts FROM events WHERE published_at IS NULL
        ON CONFLICT (event_id) DO NOTHING;
    END IF;
END
$$;

DROP INDEX IF EXISTS idx_events_unpublished;
ALTER TABLE events DROP COLUMN IF EXISTS published_at;
ALTER TABLE events DROP COLUMN IF EXISTS publish_attempts;

-- One call per statement, not per row: a batch of completions queues its events in one insert.
CREATE OR REPLACE FUNCTION agentops_outbox_enqueue() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (event_id) SELECT id FROM queued_events;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS trg_events_outbox ON events;
CREATE TRIGGER trg_events_outbox AFTER INSERT ON events
    REFERENCING NEW TABLE AS queued_events
    FOR EACH STATEMENT EXECUTE FUNCTION agentops_outbox_enqueue();

-- migrations/0012_outbox_set_aside.sql
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

-- migrations/0013_event_feed.sql
-- 0013: the order events were published in. Event ids follow the order events were written,
-- which is not the order they commit in: an event can be published after one with a higher id,
-- and a stream that resumed from an event id would skip it. `seq` is the place in the order of
-- publication, and is what a stream resumes from (SSE ids, Last-Event-ID).
CREATE TABLE IF NOT EXISTS event_feed (
    seq BIGSERIAL PRIMARY KEY,
    event_id BIGINT NOT NULL UNIQUE
);

-- History keeps its id as its place, so a cursor taken before (an event id) resumes where it
-- was; what is published from now on comes after every such id.
INSERT INTO event_feed (seq, event_id)
SELECT e.id, e.id FROM events e
WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = e.id)
  AND NOT EXISTS (SELECT 1 FROM event_feed f WHERE f.event_id = e.id);
SELECT setval(pg_get_serial_sequence('event_feed', 'seq'), greatest(m, 1), m > 0)
FROM (SELECT greatest((SELECT coalesce(max(seq), 0) FROM event_feed),
                      (SELECT coalesce(max(id), 0) FROM events)) AS m) x;

-- migrations/0014_notifier_seq.sql
-- 0014: the notifier's place in the order of publication (event_feed.seq). Its event-id cursor
-- skipped an event published after one with a higher id (a transaction that committed late),
-- so that event was never told. last_event_id stays, as the highest id handled.
ALTER TABLE notification_preferences ADD COLUMN IF NOT EXISTS last_event_seq BIGINT;

-- migrations/0015_outbox_cursor.sql
-- 0015: events leave through a cursor over the order (tx_id, id), not a queue row per event.
-- Once every transaction of this database older than X has finished, no event can ever appear
-- below (X, 0): a relay that publishes in (tx_id, id) order up to there, and remembers where it
-- stopped, skips nothing and needs no row per event. Each event cost a queue row written and
-- deleted, and a row in event_feed with two index entries; now it costs one index entry, and
-- a batch of events one row.

CREATE INDEX IF NOT EXISTS idx_events_tx_order ON events (tx_id, id);

-- Where the relay stopped: the place of the last event it published (or set aside, or passed).
CREATE TABLE IF NOT EXISTS outbox_cursor (
    singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    tx_id xid8 NOT NULL,
    event_id BIGINT NOT NULL,
    -- An event of a transaction below this one may have been published by the queue before
    -- this migration (its place is in event_feed): the cursor passes it without publishing it
    -- again, and it keeps that place.
    legacy_until xid8 NOT NULL
);

-- What each batch published: the events of its range (from, to] in (tx_id, id) order, less
-- those with a place in event_feed already, took the places seq_start, seq_start + 1, ...
-- Places come from event_feed's sequence, so they follow every place the feed handed out.
CREATE TABLE IF NOT EXISTS event_batches (
    seq_start BIGINT PRIMARY KEY,
    n INTEGER NOT NULL CHECK (n > 0),
    from_tx xid8 NOT NULL,
    from_id BIGINT NOT NULL,
    to_tx xid8 NOT NULL,
    to_id BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_event_batches_to ON event_batches (to_tx, to_id);

-- The queue now holds only what the cursor cannot reach: events an earlier version left
-- unpublished, and set-aside events queued again (agentops outbox retry). Dropping the trigger
-- waits for every transaction that wrote events to finish.
DROP TRIGGER IF EXISTS trg_events_outbox ON events;

-- The cursor starts below every transaction of this database still open (one may not have
-- written its events yet), so nothing written from now on falls behind it; what lies above it
-- and was published already has its place in event_feed, and is passed.
-- (Events this transaction wrote, as when a database is created in one, are passed too.)
INSERT INTO outbox_cursor (tx_id, event_id, legacy_until)
SELECT t.tx, (SELECT coalesce(max(id), 0) FROM events WHERE tx_id = t.tx), pg_snapshot_xmax(snap.s)
FROM (SELECT pg_current_snapshot() AS s OFFSET 0) snap,
     LATERAL (SELECT min(x) AS oldest FROM pg_snapshot_xip(snap.s) x
              WHERE (x::text::bigint % 4294967296) NOT IN (
                  SELECT backend_xid::text::bigint FROM pg_stat_activity
                  WHERE datname <> current_database() AND backend_xid IS NOT NULL)) b,
     LATERAL (SELECT least(coalesce(b.oldest, pg_snapshot_xmax(snap.s)), pg_current_xact_id()) AS tx) t
ON CONFLICT (singleton) DO NOTHING;

-- The place of a published event in the order of publication; NULL while it is unpublished.
CREATE OR REPLACE FUNCTION agentops_event_seq(eid bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    (SELECT f.seq FROM event_feed f WHERE f.event_id = eid),
    (SELECT b.seq_start + (
         SELECT count(*) FROM events x
         WHERE (x.tx_id, x.id) > (b.from_tx, b.from_id) AND (x.tx_id, x.id) < (e.tx_id, e.id)
           AND NOT (x.tx_id < c.legacy_until
                    AND EXISTS (SELECT 1 FROM event_feed f WHERE f.event_id = x.id)))
     FROM events e
     CROSS JOIN (SELECT * FROM outbox_cursor LIMIT 1) c
     CROSS JOIN LATERAL (SELECT * FROM event_batches b
                         WHERE (b.to_tx, b.to_id) >= (e.tx_id, e.id)
                         ORDER BY b.to_tx, b.to_id LIMIT 1) b
     WHERE e.id = eid AND (b.from_tx, b.from_id) < (e.tx_id, e.id)))
$$;

-- The events still to publish: queued, or beyond the cursor.
CREATE OR REPLACE VIEW unpublished_events AS
SELECT o.event_id FROM outbox o
UNION ALL
SELECT e.id FROM events e, (SELECT * FROM outbox_cursor LIMIT 1) c
WHERE (e.tx_id, e.id) > (c.tx_id, c.event_id)
  AND NOT (e.tx_id < c.legacy_until AND EXISTS (SELECT 1 FROM event_feed f WHERE f.event_id = e.id))
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = e.id);

-- Whether an event still waits to be published.
CREATE OR REPLACE FUNCTION agentops_event_unpublished(eid bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM unpublished_events u WHERE u.event_id = eid)
$$;

-- The place of the last event published, 0 before any.
CREATE OR REPLACE FUNCTION agentops_last_seq() RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT greatest((SELECT coalesce(max(seq), 0) FROM event_feed),
                  coalesce((SELECT seq_start + n - 1 FROM event_batches
                            ORDER BY seq_start DESC LIMIT 1), 0))
$$;

-- Published events after the place after_seq, in the order of publication, at most lim of
-- them, of the given types (any_type: all): what the feed placed, then the batches, each
-- batch's range walked by its index. Places the feed handed out all come before the batches'.
CREATE OR REPLACE FUNCTION agentops_published_after(
    after_seq bigint, lim integer, any_type boolean, types text[], prefixes text[])
RETURNS TABLE (seq bigint, event_id bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    b record;
    cur record;
    got integer;
    wanted integer := lim;
BEGIN
    RETURN QUERY
    SELECT f.seq, f.event_id
    FROM event_feed f, LATERAL (SELECT * FROM events WHERE id = f.event_id OFFSET 0) e
    WHERE f.seq > after_seq
      AND (any_type OR e.event_type = ANY (types) OR e.event_type LIKE ANY (prefixes))
    ORDER BY f.seq LIMIT wanted;
    GET DIAGNOSTICS got = ROW_COUNT;
    wanted := wanted - got;
    IF wanted <= 0 THEN RETURN; END IF;
    SELECT * INTO cur FROM outbox_cursor;
    -- the batch holding after_seq, if any, then the later ones, each found by the key
    FOR b IN (SELECT * FROM event_batches WHERE seq_start <= after_seq ORDER BY seq_start DESC LIMIT 1)
             UNION ALL
             (SELECT * FROM event_batches WHERE seq_start > after_seq ORDER BY seq_start) LOOP
        CONTINUE WHEN b.seq_start + b.n - 1 <= after_seq;
        RETURN QUERY
        SELECT x.s, x.id FROM (
            SELECT b.seq_start + row_number() OVER (ORDER BY e.tx_id, e.id) - 1 AS s, e.id, e.event_type
            FROM events e
            WHERE (e.tx_id, e.id) > (b.from_tx, b.from_id) AND (e.tx_id, e.id) <= (b.to_tx, b.to_id)
              AND NOT (e.tx_id < cur.legacy_until
                       AND EXISTS (SELECT 1 FROM event_feed f WHERE f.event_id = e.id))) x
        WHERE x.s > after_seq
          AND (any_type OR x.event_type = ANY (types) OR x.event_type LIKE ANY (prefixes))
        ORDER BY x.s LIMIT wanted;
        GET DIAGNOSTICS got = ROW_COUNT;
        wanted := wanted - got;
        EXIT WHEN wanted <= 0;
    END LOOP;
END
$$;

-- After a restore: the restored events carry another server's transaction ids, which this
-- server's new transactions may sort below, and the cursor would never reach them. Every
-- place a batch gave is written down in event_feed, what the cursor had not reached is queued,
-- and the restored events all take this transaction's id, behind the cursor.
CREATE OR REPLACE FUNCTION agentops_outbox_rebase() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    cur record;
BEGIN
    SELECT * INTO cur FROM outbox_cursor;
    IF FOUND THEN
        INSERT INTO outbox (event_id)
        SELECT e.id FROM events e
        WHERE (e.tx_id, e.id) > (cur.tx_id, cur.event_id)
          AND NOT (e.tx_id < cur.legacy_until
                   AND EXISTS (SELECT 1 FROM event_feed f WHERE f.event_id = e.id))
        ON CONFLICT (event_id) DO NOTHING;
        INSERT INTO event_feed (seq, event_id)
        SELECT p.seq, p.event_id
        FROM agentops_published_after((SELECT coalesce(max(seq), 0) FROM event_feed), 2147483647,
                                      true, '{}', '{}') p;
    ELSE
        -- a backup from before the cursor: every event not queued was published
        INSERT INTO event_feed (seq, event_id)
        SELECT e.id, e.id FROM events e
        WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = e.id)
          AND NOT EXISTS (SELECT 1 FROM event_feed f WHERE f.event_id = e.id OR f.seq = e.id);
    END IF;
    DELETE FROM event_batches;
    DELETE FROM outbox_cursor;
    UPDATE events SET tx_id = pg_current_xact_id() WHERE tx_id <> pg_current_xact_id();
    INSERT INTO outbox_cursor (tx_id, event_id, legacy_until)
    VALUES (pg_current_xact_id(), (SELECT coalesce(max(id), 0) FROM events),
            pg_snapshot_xmax(pg_current_snapshot()));
    PERFORM setval(pg_get_serial_sequence('event_feed', 'seq'), greatest(agentops_last_seq(), 1),
                   agentops_last_seq() > 0);
END
$$;

-- migrations/0016_task_list_order.sql
-- 0016: the task list's order (most important first, then due soonest, undated last, then
-- oldest) as an index. Without it every page sorted every task that passed the filters: 0.2 s
-- at 300,000 tasks, growing with each one done. Priority is negated so that the page cursor's
-- row comparison, in the same order, is a range of this index.
CREATE INDEX IF NOT EXISTS idx_tasks_list_order
    ON tasks ((-priority), (coalesce(due_at, 'infinity'::timestamptz)), created_at, id);

-- migrations/0017_task_completed_at.sql
-- 0017: what finished lately, by an index. The web's first screen and its agents page (both
-- fetched again on every burst of events while open) and the briefing each asked for the
-- tasks completed since a moment, and read every completed task there ever was to find them:
-- 0.1 s a look at 300,000 tasks. Only a completion writes an entry here.
CREATE INDEX IF NOT EXISTS idx_tasks_completed_at ON tasks (completed_at) WHERE status = 'completed';

-- migrations/0018_last_published_id.sql
-- 0018: the id of the event at the last place of the order of publication, so that a filtered
-- page of events can hand back a cursor past everything it looked at. Without it a poll for a
-- rare type that matched nothing returned its own cursor again, and the next poll walked the
-- same events again: every poll read every event published since that cursor.
CREATE OR REPLACE FUNCTION agentops_last_published_id() RETURNS bigint
LANGUAGE sql STABLE AS $$
  -- Feed places and batch places come from one sequence: the higher one is the last.
  SELECT CASE WHEN b.seq_start IS NULL OR f.seq > b.seq_start THEN f.event_id
         ELSE (SELECT e.id FROM events e CROSS JOIN (SELECT * FROM outbox_cursor LIMIT 1) c
               WHERE (e.tx_id, e.id) > (b.from_tx, b.from_id) AND (e.tx_id, e.id) <= (b.to_tx, b.to_id)
                 AND NOT (e.tx_id < c.legacy_until
                          AND EXISTS (SELECT 1 FROM event_feed x WHERE x.event_id = e.id))
               ORDER BY e.tx_id DESC, e.id DESC LIMIT 1) END
  FROM (SELECT 1) one
  LEFT JOIN (SELECT seq, event_id FROM event_feed ORDER BY seq DESC LIMIT 1) f ON true
  LEFT JOIN (SELECT * FROM event_batches ORDER BY seq_start DESC LIMIT 1) b ON true
$$;
