import { completeHeldAs, completeManyHeldAs, completeManyThenClaimAs } from "../core/task-completions.ts";
import {
  type ClaimOutcome,
  type ClaimRequest,
  checkClaims,
  claimNextManyAs,
  whyNothingClaimed,
} from "../core/task-leases.ts";
import { type CompleteHeldInBatch, completeTaskInBatch } from "../core/task-transitions.ts";
import type { CoreSettings, OpOptions, TaskRef } from "../core/types.ts";
import type { Sql } from "../db/sql.ts";
import { isHubError } from "../errors.ts";
import { createCoalescer } from "../infra/coalescer.ts";
import { claimedTaskJson, taskDtoJson, taskJson } from "./dto-sql.ts";
import type { JsonText } from "./json-text.ts";

/**
 * Agents' claims and completions, coalesced: requests that arrive while earlier ones are at the
 * database go together in one statement (one plan, one commit) instead of one each. Answers
 * are the same as one by one; under load the database does a fraction of the work.
 */
export interface TaskBatcher {
  /** the claimed tasks as the API answers them (claimedTaskDto JSON, built by Postgres) */
  claimNext(agent: string, opts: Omit<ClaimRequest, "agent">): Promise<JsonText[]>;
  /** the completed task as the API answers it (taskDto JSON) */
  completeTask(
    ref: TaskRef,
    input: { claimToken?: string; result?: unknown },
    op: OpOptions,
  ): Promise<JsonText>;
  /**
   * completeTask, then the agent's next claim once it completed: in one statement with others
   * doing the same, when the completion can take the fast path.
   */
  completeThenClaim(
    ref: TaskRef,
    input: { claimToken?: string; result?: unknown },
    op: OpOptions,
    next: Omit<ClaimRequest, "agent">,
  ): Promise<{ task: JsonText; next: ClaimOutcome<JsonText> }>;
}

type HeldCompletion = Parameters<CompleteHeldInBatch<unknown>>[0];

export function createTaskBatcher(
  sql: Sql,
  settings: Pick<CoreSettings, "leaseSeconds">,
  opts: { maxInFlight?: number } = {},
): TaskBatcher {
  const inFlight = opts.maxInFlight === undefined ? {} : { maxInFlight: opts.maxInFlight };
  const claims = createCoalescer<ClaimRequest, ClaimOutcome<JsonText>>({
    run: (requests) => claimNextManyAs(sql, requests, settings, claimedTaskJson),
    ...inFlight,
    // A batch worker's claim (up to 100 tasks) need not wait for the claims in flight: with
    // 8 such workers, batched throughput rose 12% against one claim statement at a time.
    heavy: { weightOf: (r) => r.limit ?? 1, weight: 25, maxInFlight: 4 },
  });
  const completions = createCoalescer<Parameters<CompleteHeldInBatch<JsonText>>[0], JsonText | undefined>({
    run: async (items) => {
      // One alone takes the one-item statement: the same answer, less for Postgres to run.
      const [only] = items;
      if (only && items.length === 1) {
        return [
          await completeHeldAs(sql, only.ref, only.claimToken ?? "", only.resultJson, only.actor, taskJson),
        ];
      }
      const done = await completeManyHeldAs(
        sql,
        items.map((item, n) => ({ ...item, n })),
        null,
        taskJson,
      );
      return items.map((_, n) => done.get(n));
    },
    ...inFlight,
  });
  // Completions that go on to claim: one statement completes them all and makes the claims of
  // those that completed. A completion that missed gets undefined (its claim was not made).
  const completionsThenClaims = createCoalescer<
    { item: HeldCompletion; claim: ClaimRequest },
    { task: JsonText; next: ClaimOutcome<JsonText> } | undefined
  >({
    run: async (batch) => {
      const checked = await checkClaims(
        sql,
        batch.map((b) => b.claim),
      );
      const claims = checked.flatMap((c) => (isHubError(c) ? [] : [{ ...c, after: c.n }]));
      const { done, claimed } = await completeManyThenClaimAs(
        sql,
        batch.map((b, n) => ({ ...b.item, n })),
        null,
        claims,
        settings.leaseSeconds,
        { done: taskJson, claimed: claimedTaskJson },
      );
      return Promise.all(
        checked.map(async (c, n) => {
          const task = done.get(n);
          if (task === undefined) return undefined;
          if (isHubError(c)) return { task, next: { error: c } };
          const tasks = claimed.get(n) ?? [];
          const why = tasks.length === 0 ? await whyNothingClaimed(sql, c) : undefined;
          return { task, next: why ? { error: why } : { tasks } };
        }),
      );
    },
    ...inFlight,
  });
  const claimOutcome = (agent: string, o: Omit<ClaimRequest, "agent">): Promise<ClaimOutcome<JsonText>> =>
    claims.submit({ ...o, agent });

  return {
    async claimNext(agent, o) {
      const outcome = await claims.submit({ ...o, agent });
      if ("error" in outcome) throw outcome.error;
      return outcome.tasks;
    },
    completeTask: (ref, input, op) =>
      completeTaskInBatch(sql, ref, input, op, (item) => completions.submit(item), taskDtoJson),
    async completeThenClaim(ref, input, op, next) {
      const agent = op.actor.name;
      const r = await completeTaskInBatch<{ task: JsonText; next?: ClaimOutcome<JsonText> }>(
        sql,
        ref,
        input,
        op,
        (item) => completionsThenClaims.submit({ item, claim: { ...next, agent } }),
        (task) => ({ task: taskDtoJson(task) }),
      );
      // Completed the slow way: the claim is still to make.
      return { task: r.task, next: r.next ?? (await claimOutcome(agent, next)) };
    },
  };
}
