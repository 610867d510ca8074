import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Reply } from "../../src/channels/types.ts";
import { addTaskUpdate, claimTask, completeTask, createTask } from "../../src/core/index.ts";
import type { Task } from "../../src/core/types.ts";
import { clampSpeech, sayTitle, speakable } from "../../src/cos/speech.ts";
import { askWhichTask, taskCreated, taskList, taskShown } from "../../src/cos/task-replies.ts";
import { sayDay } from "../../src/cos/time.ts";
import { createHarness, type Harness } from "../conversation/harness.ts";
import { assertSpeakable } from "./speakable.ts";

const NASTY_TITLES = [
  "**Deploy** the `api` to https://example.com/deploy?x=1 🚀🚀",
  "# heading | table | with [link](http://x.y) and ~strike~",
  "call 3f2b1c4d-1111-2222-3333-444455556666 back",
  "- a list item\n- another\n1. numbered",
  "a very long title that goes on and on and on with many many words in it to see if it is cut short properly",
  "😀😀😀",
  "email ana@example.com about 50% of the budget & more",
];

const task = (over: Partial<Task>): Task => ({
  id: "3f2b1c4d-1111-2222-3333-444455556666",
  number: 42,
  projectId: null,
  projectName: "Website",
  parentTaskId: null,
  title: "t",
  description: null,
  status: "pending",
  priority: 75,
  assignedTo: "seed",
  requiredCapabilities: [],
  input: {},
  result: null,
  error: null,
  blockedReason: null,
  dueAt: new Date("2026-11-27T22:59:00Z"),
  claimedBy: null,
  claimedAt: null,
  leaseExpiresAt: null,
  attempts: 0,
  maxAttempts: 3,
  createdBy: null,
  createdAt: new Date(),
  updatedAt: new Date(),
  startedAt: null,
  completedAt: null,
  ...over,
});

const fmt = { now: new Date("2026-11-23T10:00:00Z"), timeZone: "Europe/Paris" };

describe("speech formatting", () => {
  it("says dates the way people do", () => {
    expect(sayDay(new Date("2026-11-27T22:59:00Z"), fmt.now, fmt.timeZone)).toBe("Friday the 27th");
    expect(sayDay(new Date("2026-11-23T20:00:00Z"), fmt.now, fmt.timeZone)).toBe("today");
    expect(sayDay(new Date("2026-11-24T20:00:00Z"), fmt.now, fmt.timeZone)).toBe("tomorrow");
    expect(sayDay(new Date("2026-12-21T10:00:00Z"), fmt.now, fmt.timeZone)).toBe(
      "Monday the 21st of December",
    );
    expect(sayDay(new Date("2027-01-02T10:00:00Z"), fmt.now, fmt.timeZone)).toBe("the 2nd of January 2027");
  });

  it("strips markup, links, ids and emoji, and keeps it short", () => {
    for (const t of NASTY_TITLES) {
      assertSpeakable(speakable(t), t);
      assertSpeakable(sayTitle(t), t);
    }
    expect(speakable("**bold** and `code`")).toBe("bold and code");
    expect(speakable("see https://x.io/a now")).toBe("see a link now");
    expect(clampSpeech(Array(200).fill("word").join(" ")).split(" ").length).toBeLessThanOrEqual(70);
  });

  it("keeps every task reply speakable whatever the title", () => {
    for (const title of NASTY_TITLES) {
      const t = task({ title, blockedReason: title, status: "blocked" });
      for (const r of [
        taskCreated(t, fmt),
        taskShown(t, fmt),
        taskList({ tasks: Array(9).fill(t), total: 9, adjective: "open", suffix: "" }, fmt),
        askWhichTask("task.complete", title, [t, t, t, t]),
      ]) {
        assertSpeakable(r.speech, `${r.intent}: ${title}`);
      }
    }
  });

  it("lists at most three in speech and says how many more", () => {
    const tasks = Array.from({ length: 9 }, (_, i) => task({ number: i + 1, title: `task title ${i + 1}` }));
    const r = taskList({ tasks, total: 9, adjective: "open", suffix: "" }, fmt);
    expect(r.speech).toContain("and six more");
    expect(r.speech.match(/task \d/g)?.length).toBe(3);
    expect(r.text.split("\n").filter((l) => l.startsWith("#")).length).toBeLessThanOrEqual(7);
    expect(r.text).toContain("and 3 more");
  });

  it("says nothing finished yet, and nothing open right now", () => {
    const none = { tasks: [], total: 0, suffix: "for seed" };
    expect(taskList({ ...none, adjective: "finished" }, fmt).text).toBe("No finished tasks for seed yet.");
    expect(taskList({ ...none, adjective: "open" }, fmt).text).toBe("No open tasks for seed right now.");
  });
});

describe("every reply of a conversation is speakable", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.db.drop();
  });

  it("across many intents, with hostile data in the database", async () => {
    const agent = { actor: { kind: "agent" as const, name: "seed" } };
    for (const title of NASTY_TITLES) {
      const t = await createTask(h.db.sql, { title, assignedTo: "seed", priority: "high" }, agent);
      const c = await claimTask(h.db.sql, t.number, "seed", { leaseSeconds: 300 });
      if (t.number % 2 === 0) {
        await addTaskUpdate(
          h.db.sql,
          t.number,
          { updateType: "question", message: title },
          { ...agent, claimToken: c.claimToken },
        );
      } else {
        await completeTask(h.db.sql, t.number, { claimToken: c.claimToken, result: title }, agent);
      }
    }
    const replies: Reply[] = [];
    for (const text of [
      "start a new project called Website 🚀 https://x.y",
      "add a task to fix the contact form for Website, high priority, due friday",
      "add a task to review **everything** at https://example.com",
      "what's open",
      "show me the blocked tasks",
      "how is task 2 doing",
      "how is task 3 doing",
      "make it urgent",
      "give it to seed",
      "cancel it",
      "yes",
      "undo",
      "list my projects",
      "how far along is Website",
      "who is working right now",
      "is seed online",
      "brief me",
      "what can you do",
      "blah",
      "🎉",
      "mark the deploy task done",
      "reply to 2: go with plan B",
      "only ping me when something is blocked",
      "create an agent called researcher for web research",
    ]) {
      replies.push(await h.say(text));
    }
    expect(replies.length).toBeGreaterThan(20);
    for (const r of replies) assertSpeakable(r.speech, `${r.intent}: ${r.text}`);
  });
});
