import { afterAll, beforeAll, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.db.drop();
});

const HOSTILE: [string, string][] = [
  ["SQL", "'; DROP TABLE tasks; --"],
  ["SQL in a title", "add a task to check Robert'); DROP TABLE tasks;-- please"],
  ["100 KB", "add a task to ".concat("a".repeat(100 * 1024))],
  ["control characters", "add a task to \u0000\u0007\u001b[31mred\u001b[0m alert\u0008"],
  ["right-to-left marks", "add a task to \u202Eevil\u202C reversed \u200F\u200Etext"],
  ["emoji only", "🎉🔥💯"],
  ["only punctuation", "?!?!..."],
  ["blank", "   "],
  ["script tags", "<script>alert(1)</script>"],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal template is the hostile input.
  ["template injection", "add a task ${process.exit()} {{7*7}}"],
  ["lone surrogate", "add a task to fix \ud800 this"],
  ["huge number", "mark 99999999999999999999999 done"],
  ["negative number", "cancel task -5"],
];

it.each(HOSTILE)("%s gets a clear reply and nothing breaks", async (_name, text) => {
  const tablesBefore = await h.db.sql.query("SELECT count(*) FROM tasks");
  const r = await h.say(text);
  expect(r.silent).toBe(false);
  expect(r.text.length).toBeGreaterThan(0);
  expect(r.text.length).toBeLessThan(2000);
  expect(r.text).not.toMatch(/Something went wrong/);
  // Nothing invisible or reordering reaches the chat, even from what the person sent.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting none get through is the point.
  expect(r.text).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u202A-\u202E\u200E\u200F]/);
  // The database is still there and answering.
  expect((await h.db.sql.query("SELECT count(*) FROM tasks")).rowCount).toBe(tablesBefore.rowCount);
  const after = await h.say("what's open");
  expect(after.intent).toBe("task.list");
});

it("a 100 KB message is refused as too long rather than turned into a task", async () => {
  const before = await h.db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM tasks");
  const r = await h.say(`add a task to ${"word ".repeat(25_000)}`);
  expect(r.text).toMatch(/too long/);
  const after = await h.db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM tasks");
  expect(after.rows).toEqual(before.rows);
});

it("a hostile sender id and message id are handled", async () => {
  const r = await h.dispatcher.handle({
    channel: "telegram",
    sender: `x\u0000${"9".repeat(5000)}`,
    conversation: "c",
    text: "hello",
    messageId: `m\u0000${"1".repeat(5000)}`,
    receivedAt: new Date(),
  });
  expect(r.text).toMatch(/only take requests/);
});
