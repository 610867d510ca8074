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
  /**
   * Items that are each much work (a claim of 50 tasks) gain little from waiting to go with
   * others, and a run of them can use a core of the database beside the run in flight: once
   * the waiting items weigh `weight` or more, they start a run of their own, up to
   * `maxInFlight` runs in all. Light items (a claim of one) still wait and go together.
   */
  heavy?: { weightOf(item: I): number; weight: number; maxInFlight: number };
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

  const heavy = opts.heavy;
  let waitingWeight = 0;

  const mayStart = () =>
    inFlight < maxInFlight ||
    (heavy !== undefined && inFlight < heavy.maxInFlight && waitingWeight >= heavy.weight);

  function pump() {
    while (queue.length > 0 && mayStart()) {
      const batch = queue.splice(0, maxBatch);
      if (heavy) for (const p of batch) waitingWeight -= heavy.weightOf(p.item);
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
        if (heavy) waitingWeight += heavy.weightOf(item);
        pump();
      });
    },
    get waiting() {
      return queue.length;
    },
  };
}
