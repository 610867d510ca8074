import { randomBytes } from "node:crypto";

const DISCORD_EPOCH = 1_420_070_400_000n;

/** Discord-shaped ids: milliseconds since 2015 in the top bits, a counter below, always increasing. */
export function createSnowflakes() {
  let last = 0n;
  return function next(at: Date = new Date()): string {
    let id = ((BigInt(at.getTime()) - DISCORD_EPOCH) << 22n) | BigInt(Math.floor(Math.random() * 1024) << 12);
    if (id <= last) id = last + 1n;
    last = id;
    return id.toString();
  };
}

/** An interaction token: long, opaque, valid for one interaction. */
export function interactionToken(): string {
  return `aW50ZXJhY3Rpb246${randomBytes(48).toString("base64url")}`;
}
