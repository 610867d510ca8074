-- 0008: a handled message keeps its reply until the adapter says it went out, so a message
-- redelivered after a crash between acting and answering gets its answer, not silence.

ALTER TABLE processed_messages ADD COLUMN IF NOT EXISTS reply JSONB;
ALTER TABLE processed_messages ADD COLUMN IF NOT EXISTS delivered_at TIMESTAMPTZ;
