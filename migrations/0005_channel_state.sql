-- 0005: what channel adapters keep across restarts, and the singleton leases that let exactly
-- one hub instance poll Telegram, watch IMAP or hold the Discord gateway.

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
