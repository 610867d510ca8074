import type { ChannelName, Utterance } from "../channels/types.ts";
import type { Config } from "../config.ts";
import { normalizePhone } from "../config.ts";
import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";

/** Who a sender is, as stored and as recorded on events: `telegram:12345`, `email:ana@example.com`. */
export function identityOf(u: Pick<Utterance, "channel" | "sender" | "verifiedOwner">): string {
  // Whatever a platform sends as a sender id, it is stored and compared: keep it printable and bounded.
  const sender = String(u.sender ?? "")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .trim()
    .slice(0, 300);
  switch (u.channel) {
    // Already authenticated by their own means (a local terminal, the web session): the owner.
    case "terminal":
    case "web":
      return `${u.channel}:owner`;
    case "email":
      return `email:${sender.toLowerCase()}`;
    case "voice":
      // A voice stack holding VOICE_TOKEN with no caller number is the owner's own device.
      if (u.verifiedOwner && !/\d/.test(sender)) return "voice:owner";
      return `phone:${normalizePhone(sender)}`;
    default:
      return `${u.channel}:${sender}`;
  }
}

export type OwnerConfig = Pick<Config["owner"], "telegramIds" | "discordIds" | "emails" | "phones">;

/** True when the config names this identity as the owner's, or the channel speaks for the owner. */
export function isConfiguredOwner(identity: string, channel: ChannelName, owner: OwnerConfig): boolean {
  if (channel === "terminal" || channel === "web") return true;
  const [kind, ...rest] = identity.split(":");
  const id = rest.join(":");
  switch (kind) {
    case "telegram":
      return owner.telegramIds.includes(id);
    case "discord":
      return owner.discordIds.includes(id);
    case "email":
      return owner.emails.map((e) => e.toLowerCase()).includes(id);
    case "phone":
      return owner.phones.map(normalizePhone).includes(id);
    default:
      return false;
  }
}

export interface PairedIdentity {
  id: string;
  identity: string;
  person: string;
  label: string | null;
  pairedAt: Date;
  lastSeenAt: Date | null;
}

interface IdentityRow {
  id: string;
  identity: string;
  person: string;
  label: string | null;
  paired_at: Date;
  last_seen_at: Date | null;
}

const toIdentity = (r: IdentityRow): PairedIdentity => ({
  id: r.id,
  identity: r.identity,
  person: r.person,
  label: r.label,
  pairedAt: r.paired_at,
  lastSeenAt: r.last_seen_at,
});

/** The paired identity, if this sender was linked to the owner and not revoked since. */
export async function findPairedIdentity(sql: Sql, identity: string): Promise<PairedIdentity | undefined> {
  const r = await sql.query<IdentityRow>(
    `UPDATE identities SET last_seen_at = now()
     WHERE identity = $1 AND revoked_at IS NULL
     RETURNING id, identity, person, label, paired_at, last_seen_at`,
    [identity],
  );
  const row = r.rows[0];
  return row && toIdentity(row);
}

export async function linkIdentity(sql: Sql, identity: string, label?: string): Promise<PairedIdentity> {
  const r = await sql.query<IdentityRow>(
    `INSERT INTO identities (identity, label, last_seen_at) VALUES ($1, $2, now())
     ON CONFLICT (identity) WHERE revoked_at IS NULL DO UPDATE SET last_seen_at = now()
     RETURNING id, identity, person, label, paired_at, last_seen_at`,
    [identity, label ?? null],
  );
  const row = r.rows[0];
  if (!row) throw new HubError("internal", "could not link the identity");
  return toIdentity(row);
}

/** `agentops identities list`: the identities paired with the owner (configured ones are in the config). */
export async function listIdentities(sql: Sql): Promise<PairedIdentity[]> {
  const r = await sql.query<IdentityRow>(
    `SELECT id, identity, person, label, paired_at, last_seen_at FROM identities
     WHERE revoked_at IS NULL ORDER BY paired_at, identity`,
  );
  return r.rows.map(toIdentity);
}

/** `agentops identities revoke ID`: by the row's id or by the identity itself (`telegram:12345`). */
export async function revokeIdentity(sql: Sql, id: string): Promise<PairedIdentity> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
  const r = await sql.query<IdentityRow>(
    `UPDATE identities SET revoked_at = now()
     WHERE revoked_at IS NULL AND ${isUuid ? "id = $1::uuid" : "identity = $1"}
     RETURNING id, identity, person, label, paired_at, last_seen_at`,
    [id],
  );
  const row = r.rows[0];
  if (!row) throw new HubError("not_found", `No paired identity ${JSON.stringify(id)}`);
  return toIdentity(row);
}
