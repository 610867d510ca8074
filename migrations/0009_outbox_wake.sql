-- 0009: the outbox relay is no longer woken by NOTIFY. A notifying commit takes a global lock
-- that is held until the commit is flushed, so with one NOTIFY per event-writing transaction
-- every writer in the database queued behind every other. The relay now wakes in-process
-- when this instance commits (Sql.onWrite) and polls briefly for other instances' writes.

DROP TRIGGER IF EXISTS trg_events_notify ON events;
DROP FUNCTION IF EXISTS notify_events();
