import { createHash, randomBytes, randomInt } from "node:crypto";
import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";

/** A login code lives this long (the issue: short-lived). */
export const LOGIN_CODE_TTL_MS = 15 * 60 * 1000;
/** A session lives this long from sign-in; signing in again is one code away. */
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

// No 0/O, 1/I/L: the code is read off a phone and typed.
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LENGTH = 10;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** What a person may type: any case, spaces and dashes ignored. */
export function normalizeCode(input: string): string {
  return input.toUpperCase().replace(/[^0-9A-Z]/g, "");
}

export interface LoginLink {
  /** `${publicUrl}/web/login?code=...`: opening it shows a one-button sign-in page */
  url: string;
  /** the same code for typing, as XXXXX-XXXXX */
  code: string;
  expiresAt: Date;
}

/**
 * A one-time sign-in code for the owner (`agentops login-link`, later `/login` on a chat
 * channel). Only its digest is stored; it works once, for 15 minutes. ~49 bits, and failed
 * attempts are rate limited, so it cannot be guessed in its lifetime.
 */
export async function createLoginLink(
  sql: Sql,
  opts: { publicUrl: string; ttlMs?: number },
): Promise<LoginLink> {
  let raw = "";
  for (let i = 0; i < CODE_LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
  const ttl = opts.ttlMs ?? LOGIN_CODE_TTL_MS;
  // The database's clock decides expiry everywhere, so hub and database clocks cannot disagree.
  const r = await sql.query<{ expires_at: Date }>(
    `INSERT INTO web_login_codes (code_hash, expires_at)
     VALUES ($1, now() + $2 * interval '1 millisecond') RETURNING expires_at`,
    [sha256(raw), ttl],
  );
  // Housekeeping where it is cheap: codes a day past expiry, sessions a month past theirs.
  await sql.query("DELETE FROM web_login_codes WHERE expires_at < now() - interval '1 day'");
  await sql.query(
    "DELETE FROM web_sessions WHERE coalesce(revoked_at, expires_at) < now() - interval '30 days'",
  );
  const row = r.rows[0];
  if (!row) throw new HubError("internal", "could not store the login code");
  const code = `${raw.slice(0, 5)}-${raw.slice(5)}`;
  const base = opts.publicUrl.replace(/\/+$/, "");
  return { url: `${base}/web/login?code=${code}`, code, expiresAt: row.expires_at };
}

export interface WebSession {
  id: string;
  label: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

interface SessionRow {
  id: string;
  label: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const SESSION_COLUMNS = "id, label, created_at, last_seen_at, expires_at, revoked_at";

const toSession = (r: SessionRow): WebSession => ({
  id: r.id,
  label: r.label,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

/** A short label from a User-Agent: "Chrome on Android", else the first words of it. */
export function deviceLabel(userAgent: string | undefined): string {
  const ua = userAgent ?? "";
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
      ? "Firefox"
      : /Chrome\/|Chromium\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : undefined;
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Mac OS X/.test(ua)
        ? "macOS"
        : /Windows/.test(ua)
          ? "Windows"
          : /Linux/.test(ua)
            ? "Linux"
            : undefined;
  if (browser && os) return `${browser} on ${os}`;
  return (browser ?? os ?? ua.replace(/[^\x20-\x7e]/g, "").slice(0, 60)) || "Unknown browser";
}

/**
 * Redeems a code: marks it used and opens a session in one transaction, so a code signs in
 * exactly once. Returns the session and its token (the cookie's value), or undefined for a
 * wrong, used or expired code; the three are not told apart.
 */
export async function redeemLoginCode(
  sql: Sql,
  input: string,
  opts: { userAgent?: string; ttlMs?: number } = {},
): Promise<{ session: WebSession; token: string } | undefined> {
  const code = normalizeCode(input);
  if (code.length !== CODE_LENGTH) return undefined;
  return sql.transaction(async (tx) => {
    const used = await tx.query(
      `UPDATE web_login_codes SET used_at = now()
       WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING code_hash`,
      [sha256(code)],
    );
    if (used.rowCount === 0) return undefined;
    const token = randomBytes(32).toString("base64url");
    const r = await tx.query<SessionRow>(
      `INSERT INTO web_sessions (token_hash, label, expires_at)
       VALUES ($1, $2, now() + $3 * interval '1 millisecond') RETURNING ${SESSION_COLUMNS}`,
      [sha256(token), deviceLabel(opts.userAgent), opts.ttlMs ?? SESSION_TTL_MS],
    );
    const row = r.rows[0];
    if (!row) throw new HubError("internal", "could not open the session");
    return { session: toSession(row), token };
  });
}

/**
 * The live session behind a cookie value, or undefined. `last_seen_at` moves at most once a
 * minute, so a busy page reads without writing. After half an hour away a request starts a
 * new visit: what finished before the previous one ended is no longer news.
 */
export async function findSession(sql: Sql, token: string): Promise<WebSession | undefined> {
  if (token.length < 20 || token.length > 100) return undefined;
  const hash = sha256(token);
  const r = await sql.query<SessionRow & { stale: boolean }>(
    `SELECT ${SESSION_COLUMNS}, last_seen_at < now() - interval '1 minute' AS stale FROM web_sessions
     WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()`,
    [hash],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  if (!row.stale) return toSession(row);
  // SET expressions read the row as it was, so seen_at gets the previous last_seen_at.
  const u = await sql.query<SessionRow>(
    `UPDATE web_sessions SET last_seen_at = now(),
        seen_at = CASE WHEN last_seen_at < now() - interval '30 minutes'
                       THEN greatest(seen_at, last_seen_at) ELSE seen_at END
     WHERE id = $1 RETURNING ${SESSION_COLUMNS}`,
    [row.id],
  );
  return toSession(u.rows[0] ?? row);
}

/** Whether a session is still live (the event stream re-checks while it runs). */
export async function sessionIsLive(sql: Sql, id: string): Promise<boolean> {
  const r = await sql.query(
    "SELECT 1 FROM web_sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()",
    [id],
  );
  return r.rowCount > 0;
}

/** Live sessions, newest use first. */
export async function listSessions(sql: Sql): Promise<WebSession[]> {
  const r = await sql.query<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM web_sessions
     WHERE revoked_at IS NULL AND expires_at > now() ORDER BY last_seen_at DESC, created_at DESC`,
  );
  return r.rows.map(toSession);
}

/** Ends a session at once (its cookie stops working on the next request). Idempotent. */
export async function revokeSession(sql: Sql, id: string): Promise<WebSession> {
  if (!UUID.test(id)) throw new HubError("not_found", `No session ${JSON.stringify(id)}`);
  const r = await sql.query<SessionRow>(
    `UPDATE web_sessions SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
     RETURNING ${SESSION_COLUMNS}`,
    [id],
  );
  const row = r.rows[0];
  if (!row) throw new HubError("not_found", `No session ${JSON.stringify(id)}`);
  return toSession(row);
}

/** "Got it": what finished until now is no longer new, on every device. */
export async function markSeen(sql: Sql, sessionId: string): Promise<void> {
  await sql.query("UPDATE web_sessions SET seen_at = now() WHERE id = $1", [sessionId]);
}

/**
 * Since when "finished" is news: the end of the last visit or the last "Got it", on any
 * device; a day before sign-in for a first visit; never more than a week back.
 */
export async function finishedSince(sql: Sql, sessionId: string): Promise<Date> {
  const r = await sql.query<{ since: Date }>(
    `SELECT greatest(
        coalesce((SELECT max(seen_at) FROM web_sessions WHERE revoked_at IS NULL),
                 (SELECT created_at - interval '1 day' FROM web_sessions WHERE id = $1),
                 now() - interval '1 day'),
        now() - interval '7 days') AS since`,
    [sessionId],
  );
  return r.rows[0]?.since ?? new Date(Date.now() - 86_400_000);
}
