import type { HubEvent } from "../core/types.ts";
import { HubError } from "../errors.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * `${prefix}.${type}`, e.g. agentops.task.completed. Characters a subject cannot hold (space,
 * wildcards) become _, and empty tokens are dropped, so an odd event type cannot escape the
 * stream's `${prefix}.>` or fail the publish forever.
 */
export function eventSubject(prefix: string, type: string): string {
  const tokens = type
    .split(".")
    .map((t) => t.replace(/[^A-Za-z0-9_-]/g, "_"))
    .filter((t) => t.length > 0);
  return [prefix, ...(tokens.length > 0 ? tokens : ["unknown"])].join(".");
}

export function encodeEvent(e: HubEvent): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      id: e.id,
      type: e.type,
      entityType: e.entityType,
      entityId: e.entityId,
      actor: e.actor,
      payload: e.payload,
      createdAt: e.createdAt.toISOString(),
    }),
  );
}

export function decodeEvent(data: Uint8Array): HubEvent {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(decoder.decode(data)) as Record<string, unknown>;
  } catch (e) {
    throw new HubError("bad_request", "event message is not JSON", { cause: e });
  }
  if (typeof v.id !== "number" || typeof v.type !== "string" || typeof v.createdAt !== "string") {
    throw new HubError("bad_request", "event message lacks id, type or createdAt");
  }
  const str = (x: unknown) => (typeof x === "string" ? x : null);
  return {
    id: v.id,
    type: v.type,
    entityType: str(v.entityType),
    entityId: str(v.entityId),
    actor: str(v.actor),
    payload: v.payload && typeof v.payload === "object" ? (v.payload as Record<string, unknown>) : {},
    createdAt: new Date(v.createdAt),
  };
}
