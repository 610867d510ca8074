import { HubError, isHubError } from "../errors.ts";
import type { Caller } from "./auth.ts";
import type { RouteContext } from "./context.ts";

/**
 * Runs a task mutation for `caller`. The core answers `lease_conflict` to an agent without the
 * task's current claim token; when the agent never held the task and someone else does, that
 * is someone else's task: 403. Its own old claim (a lapsed lease taken over) stays a 409 whose
 * message names the holder and the lease end.
 */
export async function asHolder<T>(ctx: RouteContext, caller: Caller, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (caller.kind !== "agent" || !isHubError(e, "lease_conflict")) throw e;
    const holder = e.details?.holder;
    const task = e.details?.task;
    if (typeof holder !== "string" || holder === caller.name || typeof task !== "number") throw e;
    if (await everClaimed(ctx, task, caller.name)) throw e;
    throw new HubError(
      "forbidden",
      `You do not hold task ${task}: ${e.message} Agents may change only tasks they hold.`,
      {
        details: e.details ?? {},
      },
    );
  }
}

async function everClaimed(ctx: RouteContext, taskNumber: number, agent: string): Promise<boolean> {
  const r = await ctx.sql.query(
    `SELECT 1 FROM events e JOIN tasks t ON e.entity_id = t.id::text
     WHERE t.number = $1 AND e.entity_type = 'task' AND e.event_type = 'task.claimed' AND e.actor = $2
     LIMIT 1`,
    [taskNumber, agent],
  );
  return r.rowCount > 0;
}
