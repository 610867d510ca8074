import { type ClaimAfter, completeManyThenClaimAs } from "../core/task-completions.ts";
import {
  type CheckedClaim,
  type ClaimOutcome,
  type ClaimRequest,
  checkClaims,
  claimOutcome,
} from "../core/task-leases.ts";
import { type CompleteHeldInBatch, completeTaskInBatch } from "../core/task-transitions.ts";
import type { CoreSettings, OpOptions, TaskRef } from "../core/types.ts";
import type { Sql } from "../db/sql.ts";
import { type HubError, isHubError } from "../errors.ts";
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

/** An agent's part of a statement: a completion, a claim, or a completion then a claim. */
interface Part {
  completion?: HeldCompletion;
  claim?: ClaimRequest;
}

/**
 * `task`: the completion's answer, undefined when it missed (nothing changed; the slow path
 * says why). `next`: the claim's outcome, undefined when its completion missed (not made).
 */
interface PartOutcome {
  task?: JsonText;
  next?: ClaimOutcome<JsonText>;
}

export function createTaskBatcher(
  sql: Sql,
  settings: Pick<CoreSettings, "leaseSeconds">,
  opts: { maxInFlight?: number } = {},
): TaskBatcher {
  // Every part waiting goes into one statement: the completions, then the claims (a claim that
  // follows a completion only once it went through). One round trip and one commit however many
  // agents asked, whatever they asked.
  const statements = createCoalescer<Part, PartOutcome>({
    run: async (parts) => {
      const asking = parts.flatMap((p, i) =>
        p.claim ? [{ i, claim: p.claim, gated: p.completion !== undefined }] : [],
      );
      const checked = await checkClaims(
        sql,
        asking.map((a) => a.claim),
      );
      const byPart = new Map<number, CheckedClaim | HubError>();
      const claims: ClaimAfter[] = [];
      for (const [k, c] of checked.entries()) {
        const a = asking[k];
        if (a === undefined) continue;
        if (isHubError(c)) {
          byPart.set(a.i, c);
          continue;
        }
        const claim = { ...c, n: a.i, after: a.gated ? a.i : null };
        byPart.set(a.i, claim);
        claims.push(claim);
      }
      const held = parts.flatMap((p, i) => (p.completion ? [{ ...p.completion, n: i }] : []));
      const { done, claimed } = await completeManyThenClaimAs(
        sql,
        held,
        null,
        claims,
        settings.leaseSeconds,
        {
          done: taskJson,
          claimed: claimedTaskJson,
        },
      );
      return Promise.all(
        parts.map(async (p, i): Promise<PartOutcome> => {
          const task = done.get(i);
          const out: PartOutcome = task === undefined ? {} : { task };
          const c = byPart.get(i);
          if (c === undefined || (p.completion && task === undefined)) return out;
          return { ...out, next: await claimOutcome(sql, c, claimed.get(i) ?? []) };
        }),
      );
    },
    ...(opts.maxInFlight === undefined ? {} : { maxInFlight: opts.maxInFlight }),
    // A batch worker's claim (up to 100 tasks) need not wait for the statement in flight: with
    // 8 such workers, batched throughput rose 12% against one claim statement at a time.
    heavy: { weightOf: (p) => p.claim?.limit ?? 1, weight: 25, maxInFlight: 4 },
  });

  const claim = async (agent: string, o: Omit<ClaimRequest, "agent">): Promise<ClaimOutcome<JsonText>> =>
    (await statements.submit({ claim: { ...o, agent } })).next ?? { tasks: [] };

  return {
    async claimNext(agent, o) {
      const outcome = await claim(agent, o);
      if ("error" in outcome) throw outcome.error;
      return outcome.tasks;
    },
    completeTask: (ref, input, op) =>
      completeTaskInBatch(
        sql,
        ref,
        input,
        op,
        async (completion) => (await statements.submit({ completion })).task,
        taskDtoJson,
      ),
    async completeThenClaim(ref, input, op, next) {
      const agent = op.actor.name;
      const r = await completeTaskInBatch<{ task: JsonText; next?: ClaimOutcome<JsonText> }>(
        sql,
        ref,
        input,
        op,
        async (completion) => {
          const o = await statements.submit({ completion, claim: { ...next, agent } });
          return o.task === undefined ? undefined : { task: o.task, ...(o.next ? { next: o.next } : {}) };
        },
        (task) => ({ task: taskDtoJson(task) }),
      );
      // Completed the slow way: the claim is still to make.
      return { task: r.task, next: r.next ?? (await claim(agent, next)) };
    },
  };
}
