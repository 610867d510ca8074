import { AgentOpsClient } from "./client.ts";
import { isApiError } from "./errors.ts";
import { sleep } from "./sleep.ts";
import type { ClaimedTask } from "./types.ts";

export interface AgentLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface TaskContext {
  /** posts a progress update on the task */
  progress(message: string, data?: Record<string, unknown>): Promise<void>;
  /** asks the person: the task is blocked until they answer; resolves with the answer */
  ask(question: string): Promise<string>;
  /** aborted when the lease is lost or the agent stops and the grace period ran out */
  signal: AbortSignal;
  client: AgentOpsClient;
}

export interface RunAgentOptions {
  baseUrl: string;
  apiKey: string;
  /** the agent's registered name */
  name: string;
  capabilities?: string[];
  /** tasks handled at once (default 1) */
  concurrency?: number;
  /**
   * the work: return the result, or throw to fail the task. A result with a `summary` string
   * is what the person is told when the task is done; without one, they get the result's JSON.
   */
  handle: (task: ClaimedTask, ctx: TaskContext) => Promise<unknown>;
  /** abort to stop: no new claims, in-flight tasks finish (see stopGraceMs) */
  signal: AbortSignal;
  logger?: AgentLogger;
  /** agent heartbeat interval (default 15 000 ms) */
  heartbeatMs?: number;
  /** long-poll length per claim, seconds (default 20, at most 30) */
  waitSeconds?: number;
  /**
   * After stop, how long in-flight handlers may run before their ctx.signal aborts (default
   * 30 000 ms). A task whose handler gives up is left to its lease: it is not heartbeated any
   * more, so the hub hands it to another agent when the lease ends.
   */
  stopGraceMs?: number;
  /** how often ask() checks for the answer (default 1 000 ms) */
  answerPollMs?: number;
  client?: AgentOpsClient;
}

const silent: AgentLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Runs an agent until `signal` aborts: heartbeats it, long-polls for tasks, runs `handle` for
 * each with its lease extended meanwhile, then completes the task with the result or fails it
 * with the error. Resolves once stopped and every in-flight task is settled.
 */
export async function runAgent(opts: RunAgentOptions): Promise<void> {
  const client = opts.client ?? new AgentOpsClient({ baseUrl: opts.baseUrl, apiKey: opts.apiKey });
  const log = opts.logger ?? silent;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const waitSeconds = Math.min(30, Math.max(0, opts.waitSeconds ?? 20));
  const stopGraceMs = opts.stopGraceMs ?? 30_000;
  const inFlight = new Map<string, Promise<void>>();
  let slotFreed: (() => void) | undefined;
  /** tasks the claim loop's pending long poll may bring */
  let polling = 0;
  /** aborted once the grace period after stop runs out */
  const hardStop = new AbortController();

  const beat = async (status: "idle" | "busy") => {
    try {
      await client.heartbeat(opts.name, {
        status,
        ...(opts.capabilities ? { capabilities: opts.capabilities } : {}),
      });
    } catch (e) {
      log.warn({ err: (e as Error).message }, "agent heartbeat failed");
    }
  };
  await beat("idle");
  const heartbeat = setInterval(
    () => void beat(inFlight.size > 0 ? "busy" : "idle"),
    opts.heartbeatMs ?? 15_000,
  );

  const onStop = () => {
    log.info({ inFlight: inFlight.size }, "agent stopping");
    setTimeout(() => hardStop.abort(), stopGraceMs).unref();
  };
  opts.signal.addEventListener("abort", onStop, { once: true });

  try {
    while (!opts.signal.aborted) {
      if (inFlight.size >= concurrency) {
        await new Promise<void>((r) => {
          slotFreed = r;
        });
        continue;
      }
      let tasks: ClaimedTask[];
      polling = concurrency - inFlight.size;
      try {
        tasks = await client.claim({
          limit: polling,
          wait: waitSeconds,
          ...(opts.capabilities ? { capabilities: opts.capabilities } : {}),
          signal: opts.signal,
        });
      } catch (e) {
        if (opts.signal.aborted) break;
        log.warn({ err: (e as Error).message }, "claim failed; retrying");
        await sleep(1_000, opts.signal);
        continue;
      } finally {
        polling = 0;
      }
      for (const task of tasks) start(task);
    }
    await Promise.all(inFlight.values());
  } finally {
    clearInterval(heartbeat);
    opts.signal.removeEventListener("abort", onStop);
    hardStop.abort();
    await beat("idle");
  }

  function start(task: ClaimedTask) {
    const p = runTask(task).finally(() => {
      inFlight.delete(task.id);
      slotFreed?.();
      slotFreed = undefined;
    });
    inFlight.set(task.id, p);
  }

  /**
   * Completes the task; while the agent runs on, the same request claims the next tasks for
   * the slot it frees (and any other free slot the claim loop is not already polling for), so
   * a busy agent makes one request per task instead of two.
   */
  async function complete(task: ClaimedTask, result: unknown) {
    const room = concurrency - (inFlight.size - 1) - polling;
    if (opts.signal.aborted || room <= 0) {
      await client.complete(task.id, task.claim_token, result);
      return;
    }
    const r = await client.completeAndClaimNext(task.id, task.claim_token, result, {
      limit: room,
      ...(opts.capabilities ? { capabilities: opts.capabilities } : {}),
    });
    if (r.nextError) log.warn({ err: r.nextError.message }, "claiming the next task failed");
    for (const next of r.next) start(next);
  }

  async function runTask(task: ClaimedTask): Promise<void> {
    const token = task.claim_token;
    const lost = new AbortController();
    const taskSignal = AbortSignal.any([lost.signal, hardStop.signal]);
    const leaseMs =
      task.lease_expires_at && task.claimed_at
        ? Date.parse(task.lease_expires_at) - Date.parse(task.claimed_at)
        : 300_000;
    const extend = setInterval(
      () => {
        client.extendLease(task.id, token).catch((e: unknown) => {
          if (isApiError(e) && (e.status === 409 || e.status === 403 || e.status === 404)) {
            log.warn({ task: task.number, err: e.message }, "lease lost");
            lost.abort();
          }
        });
      },
      Math.max(500, Math.floor(leaseMs / 3)),
    );
    const ctx: TaskContext = {
      signal: taskSignal,
      client,
      async progress(message, data) {
        await client.addUpdate(task.id, {
          update_type: "progress",
          message,
          claim_token: token,
          ...(data ? { data } : {}),
        });
      },
      async ask(question) {
        const asked = await client.addUpdate(task.id, {
          update_type: "question",
          message: question,
          claim_token: token,
        });
        const since = Date.parse(asked.update.created_at);
        while (!taskSignal.aborted) {
          const updates = await client.listUpdates(task.id, { limit: 20 });
          const answer = updates.find((u) => u.update_type === "answer" && Date.parse(u.created_at) >= since);
          if (answer) return answer.message;
          await sleep(opts.answerPollMs ?? 1_000, taskSignal);
        }
        throw new Error("stopped while waiting for an answer");
      },
    };
    try {
      let result: unknown;
      try {
        result = await opts.handle(task, ctx);
      } catch (e) {
        if (taskSignal.aborted) {
          log.warn(
            { task: task.number },
            "handler gave up; the task returns to the queue when its lease ends",
          );
          return;
        }
        const message = e instanceof Error ? e.message : String(e);
        await client.fail(task.id, token, message.slice(0, 10_000) || "failed");
        log.info({ task: task.number, err: message }, "task failed");
        return;
      }
      if (lost.signal.aborted) return;
      await complete(task, result === undefined ? null : result);
      log.debug({ task: task.number }, "task completed");
    } catch (e) {
      log.error({ task: task.number, err: (e as Error).message }, "could not report the task's outcome");
    } finally {
      clearInterval(extend);
    }
  }
}
