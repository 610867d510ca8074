import { abortableSleep } from "./sleep.ts";

export interface Waker {
  /** Cuts the current (or the next) wait short. */
  wake(): void;
  /** Waits up to `ms`, until wake(), or until `signal` aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
}

export function createWaker(): Waker {
  // A wake that arrives while nobody waits is kept, so a notification landing between the end
  // of a batch and the start of the wait is not lost.
  let pending = false;
  let current: AbortController | undefined;
  return {
    wake() {
      pending = true;
      current?.abort();
    },
    async wait(ms, signal) {
      // A stop that came before the wait began must end it too, not after `ms`.
      if (pending || signal.aborted) {
        pending = false;
        return;
      }
      const ac = new AbortController();
      current = ac;
      const onAbort = () => ac.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        await abortableSleep(ms, ac.signal);
      } finally {
        signal.removeEventListener("abort", onAbort);
        current = undefined;
        pending = false;
      }
    },
  };
}
