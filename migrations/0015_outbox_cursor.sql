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
