import { createHash, randomUUID } from "node:crypto";

/** Our Message-IDs start with this, so mail the hub sent is known on sight. */
export const OWN_ID_PREFIX = "agentops.";
/** Set on every message the hub sends; a message carrying it is never answered. */
export const HUB_HEADER = "X-AgentOps-Hub";

/** A Message-ID without its angle brackets and surrounding space, lowercased domain kept as sent. */
export function normalizeMessageId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const t = id.trim().replace(/^<+/, "").replace(/>+$/, "").trim();
  return t.length > 0 && !/\s/.test(t) ? t : undefined;
}

/** Every id in a References / In-Reply-To value ("<a@x> <b@y>", or mailparser's array). */
export function messageIdList(value: string | readonly string[] | undefined): string[] {
  if (!value) return [];
  const joined = typeof value === "string" ? value : value.join(" ");
  const out: string[] = [];
  for (const m of joined.matchAll(/<([^<>\s]+)>|([^<>\s,]+@[^<>\s,]+)/g)) {
    const id = normalizeMessageId(m[1] ?? m[2]);
    if (id && !out.includes(id)) out.push(id);
  }
  return out;
}

/** The id used when a message has none: stable across redeliveries of the same bytes. */
export function hashMessageId(raw: Uint8Array): string {
  return `sha256-${createHash("sha256").update(raw).digest("hex")}@agentops.invalid`;
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf("@");
  return at >= 0 ? address.slice(at + 1).toLowerCase() : "localhost";
}

export function newMessageId(domain: string): string {
  return `${OWN_ID_PREFIX}${randomUUID()}@${domain}`;
}

export function isOwnMessageId(id: string | undefined, domain: string): boolean {
  return !!id && id.startsWith(OWN_ID_PREFIX) && id.toLowerCase().endsWith(`@${domain.toLowerCase()}`);
}

/** `<id>` for a header. */
export const bracket = (id: string) => `<${id}>`;
