-- 0007: the web dashboard's sign-in. A one-time code (sent as a link or typed) becomes a
-- session cookie. Both are stored as sha256 digests only: a database dump signs nobody in.

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
