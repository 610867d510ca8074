import { HubError } from "../errors.ts";
import type { TaskRow } from "./rows.ts";
import type { Actor, TaskStatus } from "./types.ts";

const HELD: readonly TaskStatus[] = ["in_progress", "blocked"];

/** True when the row is held under a lease: its token is the one writes must carry. */
export const isHeld = (row: TaskRow) => row.claim_token !== null && HELD.includes(row.status);

/**
 * Fencing: an agent writes to a task only with the token of the task's current claim. A token
 * whose lease lapsed still works until the reaper hands the task to someone else, since no one
 * else can hold it in between. People and admins act without a token.
 */
export function assertHolder(row: TaskRow, actor: Actor, claimToken: string | undefined, verb: string): void {
  if (actor.kind !== "agent") return;
  // A finished task keeps its last token, so its holder's retry hears "already completed".
  const holds =
    row.claim_token !== null &&
    row.claimed_by === actor.name &&
    claimToken !== undefined &&
    claimToken.toLowerCase() === row.claim_token?.toLowerCase();
  if (holds) return;
  throw leaseConflict(row, actor.name, verb, claimToken);
}

export function leaseConflict(row: TaskRow, agent: string, verb: string, claimToken?: string): HubError {
  const n = Number(row.number);
  const details = {
    task: n,
    status: row.status,
    holder: row.claimed_by,
    claimedAt: row.claimed_at,
    leaseExpiresAt: row.lease_expires_at,
  };
  let message: string;
  if (!HELD.includes(row.status) || row.claim_token === null) {
    message =
      row.status === "pending" || row.claimed_by === null
        ? `Task ${n} is ${row.status.replace("_", " ")} and not claimed by anyone; claim it before you ${verb} it.`
        : `Task ${n} is already ${row.status.replace("_", " ")}${row.claimed_by ? ` (last held by ${row.claimed_by})` : ""}; your claim on it has ended.`;
  } else {
    message = `Task ${n} is held by ${row.claimed_by} since ${clock(row.claimed_at)}; its lease ends at ${clock(row.lease_expires_at)}.`;
    if (row.claimed_by === agent) {
      message += claimToken
        ? " Your claim token is stale: claim the task again."
        : " Send the claim token you got when you claimed it.";
    }
  }
  return new HubError("lease_conflict", message, { details });
}

/** "10:02:11 UTC", with the date when it is not today. */
export function clock(d: Date | null, today = new Date()): string {
  if (!d) return "an unknown time";
  const iso = new Date(d).toISOString();
  const time = `${iso.slice(11, 19)} UTC`;
  return iso.slice(0, 10) === today.toISOString().slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`;
}

/** `conflict` unless the task is in one of `from`. */
export function assertStatus(row: TaskRow, from: readonly TaskStatus[], verb: string): void {
  if (from.includes(row.status)) return;
  const n = Number(row.number);
  const status = row.status.replace("_", " ");
  const message =
    (verb === "complete" && row.status === "completed") || (verb === "cancel" && row.status === "cancelled")
      ? `Task ${n} is already ${status}.`
      : `Task ${n} is ${status}, so it can't be ${PAST[verb] ?? `${verb}ed`}.`;
  throw new HubError("conflict", message, { details: { task: n, status: row.status } });
}

const PAST: Record<string, string> = {
  complete: "completed",
  fail: "marked failed",
  block: "blocked",
  cancel: "cancelled",
  reopen: "reopened",
  claim: "claimed",
  ask: "asked about",
};
