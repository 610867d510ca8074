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
