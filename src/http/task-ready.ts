import type { Sql } from "../db/sql.ts";
import type { Logger } from "../logger.ts";

export const TASK_READY_CHANNEL = "agentops_task_ready";

/** One waiting claim. `notified` is set by any wake since the last `reset`, so none is lost. */
export interface ReadyWaiter {
  readonly notified: boolean;
  reset(): void;
  /** resolves on a wake, after `ms`, or when `signal` aborts */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  dispose(): void;
}

export interface TaskReadySignal {
  /** LISTEN once for the whole app; failure is logged and the waiters fall back to re-checks */
  start(): Promise<void>;
  register(agentName: string): ReadyWaiter;
  /** wakes waiters in-process: `assignee` '' wakes everyone */
  notify(assignee: string): void;
  readonly waiting: number;
  stop(): Promise<void>;
}

/**
 * Fans the database's `pg_notify('agentops_task_ready', assignee)` out to the claims waiting in
 * this process, so a long-poll claim wakes when work appears instead of polling.
 */
export function createTaskReadySignal(sql: Sql, logger: Logger): TaskReadySignal {
  const waiters = new Set<Waiter>();
  let unlisten: (() => Promise<void>) | undefined;
  let starting: Promise<void> | undefined;

  interface Waiter extends ReadyWaiter {
    agent: string;
    wake(): void;
  }

  function notify(assignee: string) {
    for (const w of waiters) if (assignee === "" || assignee === w.agent) w.wake();
  }

  return {
    start() {
      starting ??= sql
        .listen(TASK_READY_CHANNEL, (payload) => notify(payload))
        .then((u) => {
          unlisten = u;
        })
        .catch((err: unknown) => {
          logger.warn({ err }, "LISTEN agentops_task_ready failed; long-poll claims fall back to re-checks");
          starting = undefined;
        });
      return starting;
    },
    register(agentName) {
      let notified = false;
      let resolve: (() => void) | undefined;
      const w: Waiter = {
        agent: agentName,
        get notified() {
          return notified;
        },
        reset() {
          notified = false;
        },
        wake() {
          notified = true;
          resolve?.();
        },
        wait(ms, signal) {
          if (notified || signal.aborted) return Promise.resolve();
          return new Promise<void>((res) => {
            const done = () => {
              clearTimeout(timer);
              signal.removeEventListener("abort", done);
              resolve = undefined;
              res();
            };
            const timer = setTimeout(done, Math.max(0, ms));
            signal.addEventListener("abort", done, { once: true });
            resolve = done;
          });
        },
        dispose() {
          waiters.delete(w);
          resolve?.();
        },
      };
      waiters.add(w);
      return w;
    },
    notify,
    get waiting() {
      return waiters.size;
    },
    async stop() {
      for (const w of waiters) w.wake();
      const u = unlisten;
      unlisten = undefined;
      if (u) await u();
    },
  };
}
