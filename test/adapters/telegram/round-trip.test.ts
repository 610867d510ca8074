import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BOT_COMMANDS } from "../../../adapters/telegram/commands.ts";
import { APOLOGY, BUTTON_EXPIRED } from "../../../adapters/telegram/update-handler.ts";
import { taskButtons } from "../../../src/channels/buttons.ts";
import { type FakeTelegram, startFakeTelegram } from "../../fakes/telegram-bot-api.ts";
import { createTestDatabase, type TestDb } from "../../helpers/db.ts";
import { waitFor } from "../../helpers/wait.ts";
import { memoryLogger, OWNER, type Running, startAdapter, testDispatcher } from "./harness.ts";

let db: TestDb;
let fake: FakeTelegram;
let running: Running | undefined;
const log = memoryLogger();

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegram();
});
afterEach(async () => {
  await running?.adapter.stop();
  running = undefined;
  // The token is in every API URL: it must never reach a log line.
  expect(log.raw.join("")).not.toContain(fake.token.split(":")[1]);
});
afterAll(async () => {
  await fake.close();
  await db.drop();
});

describe("telegram round trip", () => {
  it("a /task command reaches the dispatcher and the reply comes back as HTML with buttons", async () => {
    const dispatcher = testDispatcher((u) => ({
      text: `Created task #12: ${u.text.replace(/^\/task\s+/, "")}`,
      intent: "task.create",
      taskNumber: 12,
      buttons: [taskButtons(12)],
    }));
    running = await startAdapter(fake, db.sql, log.logger, { dispatcher });
    expect(fake.commands.map((c) => c.command)).toEqual(BOT_COMMANDS.map((c) => c.command));
    await fake.waitForCall("deleteWebhook");

    const update = fake.pushText(OWNER, OWNER, "/task Build landing page @Website !high", {
      firstName: "Ada",
    });
    const reply = await fake.waitForMessage((m) => m.plain.startsWith("Created task #12"));

    expect(dispatcher.utterances).toHaveLength(1);
    const u = dispatcher.utterances[0];
    expect(u).toMatchObject({
      channel: "telegram",
      sender: String(OWNER),
      senderName: "Ada",
      conversation: String(OWNER),
      text: "/task Build landing page @Website !high",
      messageId: `tg:${OWNER}:${update.message?.message_id}`,
      context: { isGroup: false },
    });
    expect(u?.receivedAt).toBeInstanceOf(Date);
    expect(reply).toMatchObject({ chat_id: OWNER, parse_mode: "HTML" });
    expect(reply.plain).toBe("Created task #12: Build landing page @Website !high");
    expect(reply.reply_markup?.inline_keyboard).toEqual([
      [
        { text: "Done", callback_data: "t:d:12" },
        { text: "Assign", callback_data: "t:a:12" },
        { text: "Cancel", callback_data: "t:x:12" },
      ],
    ]);
  });

  it("a button press answers the query, dispatches the preset, removes the buttons, then replies", async () => {
    const dispatcher = testDispatcher((u) =>
      u.preset
        ? { text: "Task #12 is done.", intent: u.preset.intent }
        : { text: "Task #12", buttons: [taskButtons(12)] },
    );
    running = await startAdapter(fake, db.sql, log.logger, { dispatcher });
    fake.pushText(OWNER, OWNER, "show 12");
    const withButtons = await fake.waitForMessage(
      (m) => m.plain === "Task #12" && m.reply_markup !== undefined,
    );

    const press = fake.pushCallback(OWNER, OWNER, "t:d:12", { messageId: withButtons.message_id });
    const done = await fake.waitForMessage((m) => m.plain === "Task #12 is done.");

    const queryId = press.callback_query?.id ?? "";
    const pressed = dispatcher.utterances.at(-1);
    expect(pressed).toMatchObject({
      text: "Done",
      messageId: `tg:cb:${queryId}`,
      preset: { intent: "task.complete", slots: { task: 12 } },
      sender: String(OWNER),
      conversation: String(OWNER),
    });
    // answerCallbackQuery → (dispatcher) → editMessageReplyMarkup → sendMessage with the reply
    const calls = fake.calls.filter((c) => c.at >= withButtons.at);
    const answer = calls.findIndex(
      (c) => c.method === "answerCallbackQuery" && c.params.callback_query_id === queryId,
    );
    const edit = calls.findIndex((c) => c.method === "editMessageReplyMarkup");
    const sendReply = calls.findIndex((c) => c.method === "sendMessage" && c.params.text === done.text);
    expect(answer).toBeGreaterThanOrEqual(0);
    expect(edit).toBeGreaterThan(answer);
    expect(sendReply).toBeGreaterThan(edit);
    expect(fake.sent.find((m) => m.message_id === withButtons.message_id)?.reply_markup).toBeUndefined();
  });

  it("a button we did not make is answered as expired and never dispatched", async () => {
    const dispatcher = testDispatcher();
    running = await startAdapter(fake, db.sql, log.logger, { dispatcher });
    const press = fake.pushCallback(OWNER, OWNER, "zz:unknown");
    await fake.waitForCall(
      "answerCallbackQuery",
      (c) => c.params.callback_query_id === press.callback_query?.id,
    );
    await waitFor(() => fake.pendingUpdates().length === 0 || undefined, { what: "the press confirmed" });
    expect(fake.callbackAnswers.find((a) => a.callback_query_id === press.callback_query?.id)?.text).toBe(
      BUTTON_EXPIRED,
    );
    expect(dispatcher.utterances).toHaveLength(0);
  });

  it("send() delivers a notification to a chat, escaped, with buttons", async () => {
    running = await startAdapter(fake, db.sql, log.logger);
    await running.adapter.send(String(OWNER), {
      text: "Task #7 <Deploy> is blocked & needs you",
      buttons: [taskButtons(7)],
    });
    const m = await fake.waitForMessage((s) => s.plain.startsWith("Task #7"));
    expect(m.text).toBe("Task #7 &lt;Deploy&gt; is blocked &amp; needs you");
    expect(m.plain).toBe("Task #7 <Deploy> is blocked & needs you");
    expect(m.reply_markup?.inline_keyboard[0]).toHaveLength(3);
  });

  it("send() says when Telegram refuses for good (bot blocked)", async () => {
    running = await startAdapter(fake, db.sql, log.logger);
    fake.blockChat(999);
    await expect(running.adapter.send("999", { text: "hello" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(running.adapter.send("not-a-chat", { text: "hello" })).rejects.toMatchObject({
      code: "validation",
    });
  });

  it("escapes < > & so Telegram's HTML parser accepts any reply text", async () => {
    const text = 'if a < b && c > d then "quote" <script>alert(1)</script> &amp;';
    running = await startAdapter(fake, db.sql, log.logger, { dispatcher: testDispatcher(() => ({ text })) });
    fake.pushText(OWNER, OWNER, "escape test");
    const m = await fake.waitForMessage((s) => s.plain.startsWith("if a"));
    expect(m.plain).toBe(text);
    expect(m.text).not.toContain("<script>");
  });

  it("splits a long reply at 4096 characters on line breaks; the keyboard sits on the last piece", async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `${i + 1}. task number ${i + 1} — some words & more`);
    const text = lines.join("\n");
    expect(text.length).toBeGreaterThan(2 * 4096);
    running = await startAdapter(fake, db.sql, log.logger, {
      dispatcher: testDispatcher(() => ({ text, buttons: [taskButtons(1)] })),
    });
    const before = fake.sent.length;
    fake.pushText(OWNER, OWNER, "/tasks");
    await fake.waitForMessage((m) => m.plain.endsWith("300. task number 300 — some words & more"));
    const pieces = fake.sent.slice(before);
    expect(pieces.length).toBeGreaterThanOrEqual(Math.ceil(text.length / 4096));
    expect(pieces.length).toBeLessThanOrEqual(Math.ceil(text.length / 4096) + 1);
    for (const p of pieces) expect(p.plain.length).toBeLessThanOrEqual(4096);
    expect(pieces.map((p) => p.plain).join("\n")).toBe(text);
    expect(pieces.slice(0, -1).every((p) => p.reply_markup === undefined)).toBe(true);
    expect(pieces.at(-1)?.reply_markup).toBeDefined();
  });

  it("in a group answers only commands, mentions and replies to the bot, with @botname stripped", async () => {
    const dispatcher = testDispatcher();
    running = await startAdapter(fake, db.sql, log.logger, { dispatcher });
    const group = -100_555;
    const name = fake.bot.username;
    fake.pushText(group, OWNER, "lunch anyone?", { chatType: "supergroup" });
    fake.pushText(group, OWNER, `/tasks@${name}`, { chatType: "supergroup" });
    fake.pushText(group, OWNER, "/status@some_other_bot", { chatType: "supergroup" });
    fake.pushText(group, OWNER, `@${name}, add a task to call the bank`, { chatType: "supergroup" });
    const last = fake.pushText(group, OWNER, "and what about agents", { chatType: "supergroup" });
    await waitFor(() => dispatcher.utterances.length >= 2 || undefined, { what: "two group utterances" });
    await waitFor(
      () => (fake.pendingUpdates().every((u) => u.update_id > last.update_id) ? true : undefined),
      {
        what: "all group updates confirmed",
      },
    );
    expect(dispatcher.utterances.map((u) => u.text)).toEqual(["/tasks", "add a task to call the bank"]);
    expect(
      dispatcher.utterances.every((u) => u.context?.isGroup === true && u.conversation === String(group)),
    ).toBe(true);
    const replies = fake.sent.filter((m) => m.chat_id === group);
    expect(replies).toHaveLength(2);
    expect(replies.every((m) => m.reply_to !== undefined)).toBe(true);

    const reply = fake.pushText(group, OWNER, "mark it done", {
      chatType: "supergroup",
      replyToMessageId: replies[0]?.message_id ?? 0,
    });
    await waitFor(
      () => dispatcher.utterances.find((u) => u.messageId === `tg:${group}:${reply.message?.message_id}`),
      {
        what: "the reply to the bot",
      },
    );
  });

  it("a dispatcher failure is told to the person and the update is still confirmed", async () => {
    running = await startAdapter(fake, db.sql, log.logger, {
      dispatcher: testDispatcher(() => {
        throw new Error("database is down");
      }),
    });
    const update = fake.pushText(OWNER, OWNER, "brief me");
    await fake.waitForMessage((m) => m.plain === APOLOGY);
    await waitFor(
      () => (fake.pendingUpdates().some((u) => u.update_id === update.update_id) ? undefined : true),
      {
        what: "the update confirmed",
      },
    );
  });

  it("a photo in a private chat gets a short explanation, not silence", async () => {
    const dispatcher = testDispatcher();
    running = await startAdapter(fake, db.sql, log.logger, { dispatcher });
    fake.pushUpdate({
      message: {
        message_id: 9_001,
        date: Math.floor(Date.now() / 1000),
        chat: { id: OWNER, type: "private", first_name: "Ada" },
        from: { id: OWNER, is_bot: false, first_name: "Ada" },
        photo: [{ file_id: "p1", file_unique_id: "u1", width: 90, height: 90 }],
      },
    } as never);
    const m = await fake.waitForMessage((s) => s.plain.includes("not a photo"));
    expect(m.chat_id).toBe(OWNER);
    expect(dispatcher.utterances).toHaveLength(0);
  });
});
