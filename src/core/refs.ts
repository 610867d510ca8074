import { HubError } from "../errors.ts";
import type { TaskRef } from "./types.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (s: unknown): s is string => typeof s === "string" && UUID.test(s);

/** Checked before the database sees it, so a typo is a clear `validation` and not a 22P02. */
export function requireUuid(what: string, value: unknown): string {
  if (isUuid(value)) return value.toLowerCase();
  throw new HubError("validation", `${what} must be an id like 3f2b…-…; got ${JSON.stringify(value)}.`, {
    details: { field: what },
  });
}

export type ParsedTaskRef = { id: string } | { number: number };

export function parseTaskRef(ref: TaskRef): ParsedTaskRef {
  if (typeof ref === "number") {
    if (Number.isSafeInteger(ref) && ref > 0) return { number: ref };
  } else if (typeof ref === "string") {
    const s = ref.trim();
    if (isUuid(s)) return { id: s.toLowerCase() };
    const m = /^#?(\d{1,15})$/.exec(s);
    if (m?.[1] && Number(m[1]) > 0) return { number: Number(m[1]) };
  }
  throw new HubError(
    "validation",
    `${JSON.stringify(ref)} is not a task reference: use the task number (12 or #12) or its id.`,
    { details: { field: "task" } },
  );
}

/** How messages name a task ref the person gave. */
export const describeTaskRef = (ref: TaskRef) => {
  const p = parseTaskRef(ref);
  return "number" in p ? `Task ${p.number}` : `Task ${p.id}`;
};
