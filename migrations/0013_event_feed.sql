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
