import { describe, expect, it } from "vitest";
import { createCoalescer } from "../../src/infra/coalescer.ts";

/** A run the test finishes by hand, to hold a batch at "the database" while others arrive. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

describe("coalescer", () => {
  it("runs a lone item at once, then gathers what arrives while it runs into one batch", async () => {
    const runs: number[][] = [];
    const first = gate();
    const c = createCoalescer<number, number>({
      maxInFlight: 1,
      run: async (items) => {
        runs.push(items);
        if (runs.length === 1) await first.opened;
        return items.map((x) => x * 10);
      },
    });
    const a = c.submit(1);
    expect(runs).toEqual([[1]]);
    const rest = [c.submit(2), c.submit(3), c.submit(4)];
    expect(c.waiting).toBe(3);
    first.open();
    expect(await Promise.all([a, ...rest])).toEqual([10, 20, 30, 40]);
    expect(runs).toEqual([[1], [2, 3, 4]]);
    expect(c.waiting).toBe(0);
  });

  it("keeps batches within maxBatch", async () => {
    const runs: number[][] = [];
    const first = gate();
    const c = createCoalescer<number, number>({
      maxInFlight: 1,
      maxBatch: 2,
      run: async (items) => {
        runs.push(items);
        if (runs.length === 1) await first.opened;
        return items;
      },
    });
    const all = [1, 2, 3, 4, 5].map((x) => c.submit(x));
    first.open();
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5]);
    expect(runs).toEqual([[1], [2, 3], [4, 5]]);
  });

  it("gives each item its own answer when a batch fails: one bad item fails alone", async () => {
    const first = gate();
    let calls = 0;
    const c = createCoalescer<number, number>({
      maxInFlight: 1,
      run: async (items) => {
        calls += 1;
        if (calls === 1) await first.opened;
        if (items.includes(13)) throw new Error(`unlucky batch of ${items.length}`);
        return items;
      },
    });
    const lead = c.submit(1);
    const batch = [c.submit(12), c.submit(13), c.submit(14)];
    first.open();
    const settled = await Promise.allSettled([lead, ...batch]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((settled[2] as PromiseRejectedResult).reason.message).toBe("unlucky batch of 1");
    expect((settled[3] as PromiseFulfilledResult<number>).value).toBe(14);
  });

  it("starts a run beside the one in flight for heavy items, up to the heavy limit; light ones wait", async () => {
    const runs: number[][] = [];
    const held = gate();
    const c = createCoalescer<number, number>({
      maxInFlight: 1,
      heavy: { weightOf: (x) => x, weight: 25, maxInFlight: 3 },
      run: async (items) => {
        runs.push(items);
        await held.opened;
        return items;
      },
    });
    const all = [c.submit(1), c.submit(2), c.submit(3)];
    // light items wait for the run in flight, as without `heavy`
    expect(runs).toEqual([[1]]);
    all.push(c.submit(50));
    // the waiting items now weigh 55: they go at once, beside the first run
    expect(runs).toEqual([[1], [2, 3, 50]]);
    all.push(c.submit(20), c.submit(10));
    expect(runs).toEqual([[1], [2, 3, 50], [20, 10]]);
    // at the heavy limit even a heavy item waits
    all.push(c.submit(60));
    expect(runs).toHaveLength(3);
    expect(c.waiting).toBe(1);
    held.open();
    expect(await Promise.all(all)).toEqual([1, 2, 3, 50, 20, 10, 60]);
    expect(runs.at(-1)).toEqual([60]);
  });

  it("rejects every item of a run that answers the wrong number of outputs, one by one", async () => {
    const c = createCoalescer<number, number>({ run: async () => [] });
    await expect(c.submit(1)).rejects.toThrow(/returned 0 of 1/);
  });
});
