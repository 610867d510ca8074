import { HubError } from "../errors.ts";
import type { RedisHandle } from "./redis-client.ts";

// Replies that mean "the server cannot serve now" rather than "this command is wrong".
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN)\b/;

/** A Redis reply error about the command itself: a bug to surface, not an outage to hide. */
function isCommandError(e: unknown): e is Error {
  return e instanceof Error && e.name === "ReplyError" && !UNAVAILABLE_REPLY.test(e.message);
}

/**
 * Runs `primary` against Redis when it is usable, else (or when it fails for want of Redis)
 * `fallback` in process: the hub keeps working through an outage, with single-instance semantics.
 */
export async function withFallback<T>(
  redis: RedisHandle,
  what: string,
  primary: () => Promise<T>,
  fallback: () => Promise<T>,
): Promise<T> {
  if (!redis.usable()) return fallback();
  let value: T;
  try {
    value = await primary();
  } catch (e) {
    if (isCommandError(e)) {
      throw new HubError("internal", `Redis rejected ${what}: ${e.message}`, { cause: e });
    }
    redis.failed(e);
    return fallback();
  }
  redis.succeeded();
  return value;
}
