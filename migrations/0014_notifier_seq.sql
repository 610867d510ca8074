-- 0014: the notifier's place in the order of publication (event_feed.seq). Its event-id cursor
-- skipped an event published after one with a higher id (a transaction that committed late),
-- so that event was never told. last_event_id stays, as the highest id handled.
ALTER TABLE notification_preferences ADD COLUMN IF NOT EXISTS last_event_seq BIGINT;
