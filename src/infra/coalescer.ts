/**
 * Group commit for requests: callers submit one item each; while `maxInFlight` runs are busy,
 * new items wait and then go together in one run. A lone caller runs at once, so batching
 * costs nothing when idle and grows with load, which is when one statement for many agents
 * instead of one each saves the database most.
 */
export interface Coalescer<I, O> {
  submit(item: I): Promise<O>;
  /** items waiting for a run (for metrics and tests) */
  readonly waiting: number;
}

export interface CoalescerOptions<I, O> {
  /** Runs a batch; returns one output per item, in order. */
  run(items: I[]): Promise<O[]>;
  maxInFlight?: number;
  maxBatch?: number;
}

interface Pending<I, O> {
  item: I;
  resolve(o: O): void;
  reject(e: unknown): void;
}

export function createCoalescer<I, O>(opts: CoalescerOptions<I, O>): Coalescer<I, O> {
  const maxInFlight = opts.maxInFlight ?? 1;
  const maxBatch = opts.maxBatch ?? 64;
  const queue: Pending<I, O>[] = [];
  let inFlight = 0;

  async function runBatch(batch: Pending<I, O>[]) {
    try {
      const out = await opts.run(batch.map((p) => p.item));
      if (out.length !== batch.length)
        throw new Error(`coalesced run returned ${out.length} of ${batch.length}`);
      for (const [i, p] of batch.entries()) p.resolve(out[i] as O);
    } catch (e) {
      if (batch.length === 1) {
        batch[0]?.reject(e);
        return;
      }
      // One item's failure must not become everyone's: each runs alone and gets its own answer.
      await Promise.all(batch.map((p) => runBatch([p])));
    }
  }

  function pump() {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      inFlight += 1;
      void runBatch(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  }

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        pump();
      });
    },
    get waiting() {
      return queue.length;
    },
  };
}
