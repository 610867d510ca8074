import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Channel } from "../../intents/index.ts";
import { parseUtterance, validateResult, warmUpParser } from "../../intents/index.ts";

const now = new Date("2026-11-23T10:00:00Z");
const channels: (Channel | undefined)[] = [
  undefined,
  "telegram",
  "email",
  "voice",
  "terminal",
  "web",
  "rest",
  "discord",
];

const hostile: string[] = [
  "",
  "   ",
  "\u0000\u0001\u0002",
  "\u202e\u200f\u200e add a task \u2066to test\u2069",
  "'; DROP TABLE tasks; --",
  "Robert'); DELETE FROM tasks WHERE 1=1; --",
  "' OR '1'='1",
  "<script>alert('x')</script>",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal template-injection attempt.
  "${process.exit(1)}",
  "{{constructor.constructor('return process')()}}",
  "🤖🔥💯",
  "👍",
  "\uFEFF",
  "\uD800",
  "/",
  "/@",
  "////////",
  "#",
  "!!!",
  "a".repeat(100_000),
  "add a task to ".repeat(10_000),
  "task ".repeat(20_000),
  `${"x ".repeat(50_000)}mark 7 as done`,
  "(((((((((((((((((((((((((((((((((((((a",
  "1".repeat(5000),
  "مرحبا كيف حالك",
  "添加任务",
  "__proto__",
  "constructor",
  "toString",
];

describe("hostile and odd input", () => {
  it("never throws, always returns a valid result, and stays fast", () => {
    warmUpParser();
    for (const text of hostile) {
      for (const channel of channels) {
        const opts = { now, ...(channel ? { channel } : {}) };
        // Best of 3: a busy CI box can stall any single call; this catches runaway backtracking.
        let ms = Number.POSITIVE_INFINITY;
        for (let i = 0; i < 3 && ms >= 50; i++) {
          const started = performance.now();
          parseUtterance(text, opts);
          ms = Math.min(ms, performance.now() - started);
        }
        const r = parseUtterance(text, opts);
        expect(ms, `slow on ${JSON.stringify(text.slice(0, 40))} [${channel}]`).toBeLessThan(50);
        expect(r.confidence).toBeGreaterThanOrEqual(0);
        expect(r.confidence).toBeLessThanOrEqual(1);
        expect(validateResult(r.intent, r.slots).ok).toBe(true);
      }
    }
  });

  it("does not turn injection attempts or junk into tasks", () => {
    for (const text of [
      "'; DROP TABLE tasks; --",
      "<script>alert(1)</script>",
      "🤖🔥💯",
      "asdfghjkl",
      "",
      "!!!",
    ]) {
      const r = parseUtterance(text, { now });
      expect(r.intent, text).toBe("unknown");
      expect(r.confidence).toBeLessThan(0.5);
    }
  });

  it("damps confidence for huge pastes", () => {
    const r = parseUtterance(`mark 7 as done ${"lorem ipsum ".repeat(10_000)}`, { now });
    expect(r.confidence).toBeLessThanOrEqual(0.4);
  });

  it("survives non-string input from untyped callers", () => {
    expect(parseUtterance(undefined as unknown as string).intent).toBe("unknown");
    expect(parseUtterance(42 as unknown as string).intent).toBe("unknown");
    expect(
      parseUtterance("mark 7 as done", { now: new Date("garbage"), timeZone: "Nowhere/Zone" }).intent,
    ).toBe("task.complete");
  });
});

describe("output contract", () => {
  it("every result on the labelled set passes the catalog's schemas", () => {
    const file = fileURLToPath(new URL("./utterances.jsonl", import.meta.url));
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    for (const line of lines) {
      const u = JSON.parse(line) as { text: string; channel?: Channel };
      const r = parseUtterance(u.text, { now, ...(u.channel ? { channel: u.channel } : {}) });
      const v = validateResult(r.intent, r.slots);
      expect(v.ok, `${u.text}: ${JSON.stringify(r)} ${v.ok ? "" : v.error}`).toBe(true);
    }
  });

  it("is fast: p99 well under a millisecond on the labelled set", () => {
    const file = fileURLToPath(new URL("./utterances.jsonl", import.meta.url));
    const texts = readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { text: string; channel?: Channel });
    const run = (u: { text: string; channel?: Channel }) =>
      parseUtterance(u.text, { now, ...(u.channel ? { channel: u.channel } : {}) });
    for (let i = 0; i < 3; i++) for (const u of texts) run(u); // warm up the JIT, regexes and chrono
    // Per utterance, the best of 5 runs: the parser's own cost, without GC pauses or a busy machine's
    // pre-emption (which dominate raw tails on shared CI and say nothing about the code).
    const times = texts.map((u) => {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        run(u);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    });
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length * 0.5)] ?? 0;
    const p99 = times[Math.floor(times.length * 0.99)] ?? 0;
    console.log(
      `parseUtterance p50=${p50.toFixed(3)}ms p99=${p99.toFixed(3)}ms (best of 5) over ${times.length} utterances`,
    );
    expect(p99).toBeLessThan(1);
  });
});
