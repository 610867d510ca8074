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
