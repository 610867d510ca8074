import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Channel, IntentName, Slots } from "../../intents/index.ts";
import { parseUtterance } from "../../intents/index.ts";

interface Labelled {
  text: string;
  channel?: Channel;
  now?: string;
  tz?: string;
  expect: { intent: IntentName; slots: Slots };
}

const file = fileURLToPath(new URL("./utterances.jsonl", import.meta.url));
const lines: Labelled[] = readFileSync(file, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as Labelled);

function run(u: Labelled) {
  return parseUtterance(u.text, {
    ...(u.channel ? { channel: u.channel } : {}),
    now: new Date(u.now ?? "2026-11-23T10:00:00Z"),
    timeZone: u.tz ?? "Europe/Paris",
  });
}

describe("labelled utterance set", () => {
  it("has at least 350 lines covering every intent", () => {
    expect(lines.length).toBeGreaterThanOrEqual(350);
    const intents = new Set(lines.map((l) => l.expect.intent));
    expect(intents.size).toBe(25);
  });

  it("parses every line to the labelled intent and slots", () => {
    const misses: string[] = [];
    for (const u of lines) {
      const got = run(u);
      const intentOk = got.intent === u.expect.intent;
      const slotsOk = JSON.stringify(sortKeys(got.slots)) === JSON.stringify(sortKeys(u.expect.slots));
      if (!intentOk || !slotsOk) {
        misses.push(
          `${JSON.stringify(u.text)} [${u.channel ?? "-"}]\n   want ${u.expect.intent} ${JSON.stringify(u.expect.slots)}\n   got  ${got.intent} ${JSON.stringify(got.slots)} (${got.confidence})`,
        );
      }
    }
    if (misses.length > 0) console.log(`${misses.length}/${lines.length} misses:\n${misses.join("\n")}`);
    expect(misses).toEqual([]);
  });

  it("gives labelled non-unknown lines a confidence above zero and unknown ones a low one", () => {
    for (const u of lines) {
      const got = run(u);
      if (u.expect.intent === "unknown") expect(got.confidence).toBeLessThan(0.5);
      else if (got.intent === u.expect.intent) expect(got.confidence).toBeGreaterThan(0.5);
    }
  });
});

function sortKeys(o: Slots): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
