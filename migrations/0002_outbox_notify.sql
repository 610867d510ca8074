-- 0002: wake the outbox relay as soon as events commit, instead of waiting for its next poll.
-- One notification per statement (and Postgres folds identical ones within a transaction), so
-- a bulk insert costs one NOTIFY; it is delivered only when the transaction commits.

CREATE OR REPLACE FUNCTION notify_events() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('agentops_events', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS trg_events_notify ON events;
CREATE TRIGGER trg_events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_events();
