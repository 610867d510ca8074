import { describe, expect, it } from "vitest";
import { parseUtterance } from "../../intents/index.ts";
import { findDue, todayIn } from "../../intents/rules/dates.ts";

// Monday 2026-11-23, 11:00 in Paris.
const now = new Date("2026-11-23T10:00:00Z");
const paris = { now, timeZone: "Europe/Paris" };
const due = (s: string, ctx = paris) => findDue(s, ctx)?.value;

describe("due dates", () => {
  it.each([
    ["due friday", "2026-11-27"],
    ["by tomorrow", "2026-11-24"],
    ["next monday", "2026-11-30"],
    ["on the 3rd", "2026-12-03"],
    ["on the 30th", "2026-11-30"],
    ["in two weeks", "2026-12-07"],
    ["in 3 days", "2026-11-26"],
    ["by end of week", "2026-11-27"],
    ["by the end of the month", "2026-11-30"],
    ["eod", "2026-11-23"],
    ["today", "2026-11-23"],
    ["dec 5", "2026-12-05"],
    ["december 1st", "2026-12-01"],
    ["2027-01-15", "2027-01-15"],
    ["before thursday", "2026-11-26"],
    ["tmrw", "2026-11-24"],
  ])("%s → %s", (text, want) => {
    expect(due(text)).toBe(want);
  });

  it("takes today's date said in the afternoon as today, not next year", () => {
    const afternoon = { now: new Date("2026-11-23T16:00:00Z"), timeZone: "Europe/Paris" };
    expect(due("nov 23", afternoon)).toBe("2026-11-23");
    expect(due("by 23/11", afternoon)).toBe("2026-11-23");
    expect(due("nov 23 2027", afternoon)).toBe("2027-11-23");
    expect(due("dec 5", afternoon)).toBe("2026-12-05");
  });

  it("keeps the time of day out of the title: tomorrow morning, friday at 3pm, monday eod", () => {
    const title = (s: string) => parseUtterance(s, { now, timeZone: "Europe/Paris" }).slots.title;
    expect(title("add a task to call the accountant tomorrow morning")).toBe("call the accountant");
    expect(title("add a task to send the invoice friday at 3pm")).toBe("send the invoice");
    expect(due("ship it by monday eod")).toBe("2026-11-30");
  });

  it("ignores bare times and bare months", () => {
    expect(due("call at 5pm")).toBeUndefined();
    expect(due("summary for October")).toBeUndefined();
    expect(due("write 3 blog posts")).toBeUndefined();
  });

  it("resolves in the requested zone, not the host's", () => {
    const lateUtc = new Date("2026-11-23T23:30:00Z"); // already Tuesday in Paris
    expect(todayIn({ now: lateUtc, timeZone: "UTC" })).toBe("2026-11-23");
    expect(todayIn({ now: lateUtc, timeZone: "Europe/Paris" })).toBe("2026-11-24");
    expect(due("tomorrow", { now: lateUtc, timeZone: "Europe/Paris" })).toBe("2026-11-25");
    expect(due("tomorrow", { now: lateUtc, timeZone: "UTC" })).toBe("2026-11-24");
    const earlyUtc = new Date("2026-11-23T05:00:00Z"); // still Sunday in Los Angeles
    expect(due("today", { now: earlyUtc, timeZone: "America/Los_Angeles" })).toBe("2026-11-22");
    expect(due("friday", { now: earlyUtc, timeZone: "America/Los_Angeles" })).toBe("2026-11-27");
    expect(due("tomorrow", { now: new Date("2026-11-30T23:00:00Z"), timeZone: "Asia/Tokyo" })).toBe(
      "2026-12-02",
    );
  });

  it("falls back to UTC on an unknown zone instead of throwing", () => {
    expect(due("tomorrow", { now, timeZone: "Mars/Olympus_Mons" })).toBe("2026-11-24");
  });

  it("defaults to UTC and to the current time", () => {
    const r = parseUtterance("add a task to pay rent tomorrow", { now: new Date("2026-11-23T23:30:00Z") });
    expect(r.slots.due).toBe("2026-11-24");
    const r2 = parseUtterance("add a task to pay rent today");
    expect(r2.slots.due).toBe(new Date().toISOString().slice(0, 10));
  });

  it("crosses month and year ends", () => {
    const dec = { now: new Date("2026-12-30T12:00:00Z"), timeZone: "UTC" };
    expect(due("in two days", dec)).toBe("2027-01-01");
    expect(due("on the 2nd", dec)).toBe("2027-01-02");
    expect(due("end of month", dec)).toBe("2026-12-31");
  });
});
