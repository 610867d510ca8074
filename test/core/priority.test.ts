import { describe, expect, it } from "vitest";
import { parsePriority, priorityName } from "../../src/core/index.ts";

describe("priority", () => {
  it("accepts names, integers and digit strings", () => {
    expect(parsePriority("low")).toBe(25);
    expect(parsePriority("Medium")).toBe(50);
    expect(parsePriority("high")).toBe(75);
    expect(parsePriority("critical")).toBe(100);
    expect(parsePriority(0)).toBe(0);
    expect(parsePriority("80")).toBe(80);
  });

  it("rejects what is not a priority with a validation error", () => {
    for (const bad of [-1, 101, 2.5, "urgent", "", "1e2", Number.NaN]) {
      expect(() => parsePriority(bad)).toThrow(expect.objectContaining({ code: "validation" }));
    }
  });

  it("names stored values by the nearest named level", () => {
    expect([0, 37, 38, 62, 63, 87, 88, 100].map(priorityName)).toEqual([
      "low",
      "low",
      "medium",
      "medium",
      "high",
      "high",
      "critical",
      "critical",
    ]);
  });
});
