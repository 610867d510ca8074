import { createHash, randomBytes } from "node:crypto";
import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { inTransaction } from "./db-errors.ts";
import { requireUuid } from "./refs.ts";
import { type ApiKeyRow, apiKeyFromRow } from "./rows.ts";
import type { ApiKeyInfo } from "./types.ts";
import { optionalText } from "./validate.ts";

const KEY_SHAPE = /^aoh_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 12;

const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

/** A new key, returned once; only its sha256 and first 12 characters are stored. */
export async function createApiKey(
  sql: Sql,
  owner: { agentName: string } | { admin: true },
  opts: { label?: string } = {},
): Promise<{ id: string; key: string }> {
  const label = optionalText("label", opts.label, 200);
  const key = `aoh_${randomBytes(32).toString("base64url")}`;
  return inTransaction(sql, async (tx) => {
    const agentName = "agentName" in owner ? owner.agentName : null;
    if (agentName !== null) {
      const a = await tx.query("SELECT 1 FROM agents WHERE name = $1", [agentName]);
      if (a.rows.length === 0) {
        throw new HubError("not_found", `There is no agent named ${JSON.stringify(agentName)}.`, {
          details: { agent: agentName },
        });
      }
    }
    const r = await tx.query<{ id: string }>(
      `INSERT INTO api_keys (key_hash, key_prefix, agent_name, is_admin, label) VALUES ($1, $2, $3, $4, $5)
       RETURNING id`,
      [hashKey(key), key.slice(0, PREFIX_LENGTH), agentName, agentName === null, label],
    );
    return { id: (r.rows[0] as { id: string }).id, key };
  });
}

/**
 * The key's owner, or undefined for an unknown, malformed or revoked key. last_used_at moves
 * at most once a minute, so checking a key is a read, not a write, on nearly every request.
 */
export async function verifyApiKey(
  sql: Sql,
  key: string,
): Promise<{ id: string; isAdmin: boolean; agentName: string | null } | undefined> {
  if (typeof key !== "string" || !KEY_SHAPE.test(key)) return undefined;
  const r = await sql.query<{ id: string; is_admin: boolean; agent_name: string | null; stale: boolean }>(
    `SELECT id, is_admin, agent_name,
            (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
     FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
    [hashKey(key)],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  if (row.stale) {
    await sql.query(
      `UPDATE api_keys SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [row.id],
    );
  }
  return { id: row.id, isAdmin: row.is_admin, agentName: row.agent_name };
}

/** Revoking twice is fine; an unknown id is `not_found`. */
export async function revokeApiKey(sql: Sql, id: string): Promise<ApiKeyInfo> {
  const keyId = requireUuid("id", id);
  const r = await sql.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
     RETURNING id, key_prefix, agent_name, is_admin, label, created_at, last_used_at, revoked_at`,
    [keyId],
  );
  const row = r.rows[0];
  if (!row) throw new HubError("not_found", `There is no API key with id ${keyId}.`);
  return apiKeyFromRow(row);
}

export async function listApiKeys(sql: Sql): Promise<ApiKeyInfo[]> {
  const r = await sql.query<ApiKeyRow>(
    `SELECT id, key_prefix, agent_name, is_admin, label, created_at, last_used_at, revoked_at
     FROM api_keys ORDER BY created_at, id`,
  );
  return r.rows.map(apiKeyFromRow);
}
