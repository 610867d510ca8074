// Shared by the client's retry backoff and runAgent's poll loop. Kept out of src/sdk/index.ts:
// it is not part of the SDK's public surface.

/** Waits `ms`, or less: an abort ends the wait early (it resolves, never rejects). */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
