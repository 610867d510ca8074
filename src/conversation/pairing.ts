import { createHash, randomInt } from "node:crypto";
import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { linkIdentity, type PairedIdentity } from "./identities.ts";

// No 0/O, 1/I/L: the code is read off one screen and typed on a phone.
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const PAIRING_TTL_MS = 60 * 60 * 1000;

const hashCode = (code: string) => createHash("sha256").update(code.toUpperCase()).digest("hex");

export interface PairingCode {
  /** shown once, e.g. `K7QM-4TXP`; only its hash is stored */
  code: string;
  expiresAt: Date;
}

/** `agentops pair`: a one-time code; an unknown sender who sends it is linked to the owner. */
export async function createPairingCode(sql: Sql, opts: { ttlMs?: number } = {}): Promise<PairingCode> {
  const chars = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)] ?? "A").join("");
  const code = `${chars.slice(0, 4)}-${chars.slice(4)}`;
  const r = await sql.query<{ expires_at: Date }>(
    `INSERT INTO pairing_codes (code_hash, expires_at)
     VALUES ($1, now() + make_interval(secs => $2::double precision / 1000)) RETURNING expires_at`,
    [hashCode(chars), opts.ttlMs ?? PAIRING_TTL_MS],
  );
  const row = r.rows[0];
  if (!row) throw new HubError("internal", "could not store the pairing code");
  return { code, expiresAt: row.expires_at };
}

/** The code-shaped words of a message (a person may write "pair k7qm-4txp", "K7QM 4TXP" or just the code). */
export function pairingCandidates(text: string): string[] {
  if (text.length > 200) return [];
  const tokens = text
    .toUpperCase()
    .split(/[^A-Z0-9-]+/)
    .filter((w) => w.length > 0);
  const out = new Set<string>();
  const add = (c: string) => {
    if (c.length === 8 && [...c].every((ch) => ALPHABET.includes(ch))) out.add(c);
  };
  tokens.forEach((w, i) => {
    if (/^[A-Z0-9]{4}-?[A-Z0-9]{4}$/.test(w)) add(w.replace("-", ""));
    const next = tokens[i + 1];
    if (/^[A-Z0-9]{4}$/.test(w) && next && /^[A-Z0-9]{4}$/.test(next)) add(w + next);
  });
  return [...out].slice(0, 5);
}

/**
 * Links `identity` to the owner when the message carries a live, unused code. Single use: the
 * UPDATE marks the code used, so two senders racing with one code cannot both pair.
 */
export async function redeemPairingCode(
  sql: Sql,
  text: string,
  identity: string,
): Promise<PairedIdentity | undefined> {
  const hashes = pairingCandidates(text).map(hashCode);
  if (hashes.length === 0) return undefined;
  return sql.transaction(async (tx) => {
    const r = await tx.query(
      `UPDATE pairing_codes SET used_at = now(), used_by = $2
       WHERE id = (SELECT id FROM pairing_codes
                   WHERE code_hash = ANY($1::text[]) AND used_at IS NULL AND expires_at > now()
                   LIMIT 1 FOR UPDATE)
       RETURNING id`,
      [hashes, identity],
    );
    if (r.rowCount === 0) return undefined;
    return linkIdentity(tx, identity, "paired");
  });
}
