import { describe, expect, it } from "vitest";
import { parseUtterance } from "../../intents/index.ts";
import { parseNumber } from "../../intents/rules/numbers.ts";
import { findPriority, priorityWord } from "../../intents/rules/priority.ts";
import { parseTaskRef } from "../../intents/rules/refs.ts";

const now = new Date("2026-11-23T10:00:00Z");

describe("numbers in words", () => {
  it.each([
    ["seven", 7],
    ["twelve", 12],
    ["twenty one", 21],
    ["twenty-one", 21],
    ["forty two", 42],
    ["one hundred and five", 105],
    ["a hundred", 100],
    ["99", 99],
  ])("%s → %d", (text, n) => {
    expect(parseNumber(text)).toBe(n);
  });

  it("rejects sequences that are not one number", () => {
    expect(parseNumber("one two")).toBeUndefined();
    expect(parseNumber("twenty thirty")).toBeUndefined();
    expect(parseNumber("banana")).toBeUndefined();
  });

  it.each([
    ["mark task twelve as done", 12],
    ["number twenty one is done", 21],
    ["close seven", 7],
    ["cancel task number thirty three", 33],
  ])("%s uses the spoken number", (text, n) => {
    expect(parseUtterance(text, { now, channel: "voice" }).slots.task).toBe(n);
  });
});

describe("task references", () => {
  it.each([
    ["12", 12],
    ["#12", 12],
    ["task 12", 12],
    ["task #12", 12],
    ["task twelve", 12],
    ["number twelve", 12],
    ["it", "last"],
    ["that", "last"],
    ["that task", "last"],
    ["this one", "last"],
    ["the landing page task", "landing page"],
    ["the task about the invoice", "the invoice"],
  ])("%s → %s", (text, want) => {
    expect(parseTaskRef(text)).toBe(want);
  });
});

describe("priority words", () => {
  it.each([
    ["urgent", "critical"],
    ["asap", "critical"],
    ["critical", "critical"],
    ["top priority", "critical"],
    ["important", "high"],
    ["high priority", "high"],
    ["normal priority", "medium"],
    ["medium priority", "medium"],
    ["low priority", "low"],
    ["whenever", "low"],
    ["someday", "low"],
    ["no rush", "low"],
    ["!high", "high"],
    ["!low", "low"],
  ])("%s → %s", (text, want) => {
    expect(findPriority(`add a task to do it, ${text}`)?.value).toBe(want);
  });

  it("does not read a bare 'high' inside a title as a priority", () => {
    expect(findPriority("fix the high CPU alert")).toBeUndefined();
    expect(parseUtterance("add a task to fix the high CPU alert", { now }).slots).toEqual({
      title: "fix the high CPU alert",
    });
  });

  it("reads bare words where the context is a priority", () => {
    expect(priorityWord("high")).toBe("high");
    expect(priorityWord("medium")).toBe("medium");
    expect(parseUtterance("/priority 7 low", { now }).slots).toEqual({ task: 7, priority: "low" });
  });
});

describe("titles keep the person's words", () => {
  it("drops filler, politeness and slot phrases", () => {
    const r = parseUtterance(
      "um please add a task to uh draft the launch email for Launch, high priority, due friday thanks",
      {
        now,
        channel: "voice",
      },
    );
    expect(r).toMatchObject({
      intent: "task.create",
      slots: { title: "draft the launch email", project: "Launch", priority: "high", due: "2026-11-27" },
    });
  });

  it("never returns empty or null slots", () => {
    for (const t of ["/task", "/task @Website !high", "add a task", "/assign", "/comment 12"]) {
      const r = parseUtterance(t, { now });
      for (const v of Object.values(r.slots)) {
        expect(v).not.toBeNull();
        expect(v).not.toBe("");
      }
    }
  });
});

describe("commands", () => {
  it("strips a Telegram @botname suffix", () => {
    expect(parseUtterance("/tasks@MyBot", { now, channel: "telegram" })).toMatchObject({
      intent: "task.list",
    });
    expect(parseUtterance("/done@MyBot 12", { now, channel: "telegram" })).toMatchObject({
      intent: "task.complete",
      slots: { task: 12 },
    });
  });

  it("gives commands high confidence", () => {
    for (const c of [
      "/tasks",
      "/status",
      "/agents",
      "/projects",
      "/help",
      "/start",
      "/undo",
      "/done 3",
      "/cancel 3",
    ]) {
      expect(parseUtterance(c, { now }).confidence).toBeGreaterThanOrEqual(0.95);
    }
  });

  it("treats an unknown command as unknown with low confidence", () => {
    expect(parseUtterance("/frobnicate now", { now })).toMatchObject({ intent: "unknown" });
  });
});
