import { describe, expect, it } from "vitest";
import { levenshtein, matchName } from "../../src/core/text-match.ts";

describe("matchName", () => {
  it("ranks exact, prefix, contains, then similar", () => {
    expect(matchName("website", "Website")?.rank).toBe(0);
    expect(matchName("web", "Website Redesign")?.rank).toBe(1);
    expect(matchName("redesign", "Website Redesign")?.rank).toBe(2);
    expect(matchName("websit redesing", "Website Redesign")?.rank).toBe(3);
    expect(matchName("the website one", "Website Redesign")?.rank).toBe(3);
  });

  it("does not match unrelated names", () => {
    expect(matchName("taxes", "Website Redesign")).toBeUndefined();
    expect(matchName("", "Website")).toBeUndefined();
  });

  it("computes edit distance", () => {
    expect(levenshtein("kitten", "sitting")).toBe(3);
    expect(levenshtein("", "abc")).toBe(3);
  });
});
