import { readFileSync } from "node:fs";
import type { Update } from "grammy/types";
import { describe, expect, it } from "vitest";
import { formatMessage } from "../../../adapters/telegram/format-message.ts";
import { escapeHtml } from "../../../adapters/telegram/html.ts";
import { CALLBACK_DATA_LIMIT, toInlineKeyboard } from "../../../adapters/telegram/keyboard.ts";
import { parseUpdate } from "../../../adapters/telegram/parse-update.ts";
import { backoffMs } from "../../../adapters/telegram/retry.ts";
import { splitText } from "../../../adapters/telegram/split-text.ts";
import { secretMatches } from "../../../adapters/telegram/webhook.ts";
import { confirmButtons, taskButtons } from "../../../src/channels/buttons.ts";
import { parseTelegramHtml } from "../../fakes/telegram-bot-api.ts";

const BOT = { id: 7_000_000_001, username: "agentops_test_bot" };
const NOW = new Date("2026-11-23T20:00:00Z");
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8")) as Update;
const parse = (name: string) => parseUpdate(fixture(name), BOT, NOW);

describe("parseUpdate replays recorded updates", () => {
  it("a private /task command", () => {
    expect(parse("private-task-command")).toEqual({
      kind: "text",
      chat: { chatId: 424242, messageId: 5012, isGroup: false },
      utterance: {
        channel: "telegram",
        sender: "424242",
        senderName: "Ada Lovelace",
        conversation: "424242",
        text: "/task Build landing page @Website !high",
        messageId: "tg:424242:5012",
        receivedAt: new Date(1763939000 * 1000),
        context: { isGroup: false },
      },
    });
  });

  it("a group command addressed with @botname loses the suffix", () => {
    const p = parse("group-command-with-botname");
    expect(p.kind).toBe("text");
    if (p.kind !== "text") return;
    expect(p.utterance.text).toBe("/tasks");
    expect(p.utterance.conversation).toBe("-1001987654321");
    expect(p.utterance.context).toEqual({ isGroup: true });
  });

  it("a group mention (any case) is addressed; the mention is stripped", () => {
    const p = parse("group-mention");
    expect(p.kind === "text" && p.utterance.text).toBe("what's blocked in Website?");
  });

  it("group chatter and commands for other bots are ignored", () => {
    expect(parse("group-chatter")).toMatchObject({ kind: "ignored" });
    expect(parse("group-command-for-other-bot")).toEqual({
      kind: "ignored",
      reason: "command for another bot",
    });
  });

  it("a reply to the bot in a group is addressed", () => {
    const p = parse("group-reply-to-bot");
    expect(p.kind === "text" && p.utterance.text).toBe("use the blue one");
    expect(p.kind === "text" && p.chat).toEqual({ chatId: -1001987654321, messageId: 81, isGroup: true });
  });

  it("a voice note carries its file, with the utterance waiting for its transcript", () => {
    expect(parse("private-voice")).toMatchObject({
      kind: "voice",
      file: {
        fileId: "AwACAgQAAxkBAAIBq2dBvXYZ2o5k3lV1example-voice-file-id",
        mimeType: "audio/ogg",
        fileSize: 10274,
        durationSeconds: 4,
      },
      utterance: { text: "", messageId: "tg:424242:5013", sender: "424242" },
    });
  });

  it("a button press becomes a preset whose messageId is the callback id and whose text is the label", () => {
    expect(parse("callback-task-done")).toEqual({
      kind: "callback",
      queryId: "1823456789012345678",
      data: "t:d:12",
      pressed: { chatId: 424242, messageId: 5014, isGroup: false },
      utterance: {
        channel: "telegram",
        sender: "424242",
        senderName: "Ada Lovelace",
        conversation: "424242",
        text: "Done",
        messageId: "tg:cb:1823456789012345678",
        receivedAt: NOW,
        preset: { intent: "task.complete", slots: { task: 12 } },
        context: { isGroup: false },
      },
    });
  });

  it("a press on data we did not make has no utterance", () => {
    expect(parse("callback-foreign-data")).toMatchObject({ kind: "callback", utterance: undefined });
  });

  it("edits are ignored; a photo is unsupported", () => {
    expect(parse("edited-message")).toMatchObject({ kind: "ignored" });
    expect(parse("private-photo")).toEqual({
      kind: "unsupported",
      chat: { chatId: 424242, messageId: 5015, isGroup: false },
      what: "photo",
    });
  });
});

describe("HTML escaping", () => {
  it("escapes exactly < > & and quotes", () => {
    expect(escapeHtml(`a < b > c & d "e" 'f'`)).toBe("a &lt; b &gt; c &amp; d &quot;e&quot; 'f'");
    expect(escapeHtml("&amp;")).toBe("&amp;amp;");
  });

  it("whatever the text, Telegram's HTML parser reads back the same text", () => {
    const samples = [
      "<b>not bold</b>",
      "x&&y",
      "&lt;",
      "<<>>",
      "tom & jerry's <3",
      "emoji 🚀 <ok>",
      "a\nb <c>",
    ];
    for (const s of samples) expect(parseTelegramHtml(escapeHtml(s))).toEqual({ ok: true, text: s });
    expect(parseTelegramHtml("a < b").ok).toBe(false);
  });
});

describe("splitText", () => {
  it("leaves short text alone", () => {
    expect(splitText("hello")).toEqual(["hello"]);
    expect(splitText("")).toEqual([]);
  });

  it("cuts on the last line break that fits", () => {
    expect(splitText("aaaa\nbbbb\ncccc", 10)).toEqual(["aaaa\nbbbb", "cccc"]);
  });

  it("falls back to a space, then a hard cut that never splits a surrogate pair", () => {
    expect(splitText("aaaa bbbb cccc", 10)).toEqual(["aaaa bbbb", "cccc"]);
    expect(splitText("x".repeat(25), 10)).toEqual(["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
    const rockets = "🚀".repeat(6); // 12 UTF-16 units
    const pieces = splitText(rockets, 5);
    expect(pieces.join("")).toBe(rockets);
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(5);
      expect(p).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
    }
  });

  it("keeps every piece within 4096 for a real long list", () => {
    const text = Array.from({ length: 500 }, (_, i) => `#${i}${" word".repeat(i % 20)}`).join("\n");
    const pieces = splitText(text);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(4096);
    expect(pieces.join("\n")).toBe(text);
  });
});

describe("formatMessage and keyboards", () => {
  it("puts 'I heard' first, escaped and in italics, and the keyboard on the last chunk", () => {
    const { chunks } = formatMessage({
      text: "Created #3 <draft>",
      heard: "add <draft>",
      buttons: [taskButtons(3)],
    });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.html).toBe("<i>I heard:</i> “add &lt;draft&gt;”\n\nCreated #3 &lt;draft&gt;");
    expect(chunks[0]?.text).toBe("I heard: “add <draft>”\n\nCreated #3 <draft>");
    expect(chunks[0]?.replyMarkup?.inline_keyboard[0]?.map((b) => b.text)).toEqual([
      "Done",
      "Assign",
      "Cancel",
    ]);
  });

  it("splits before escaping, so entities are never cut and each piece fits", () => {
    const text = `${"&".repeat(30)}\n${"<".repeat(30)}`;
    const { chunks } = formatMessage({ text, buttons: [confirmButtons()] }, 40);
    expect(chunks.map((c) => c.text)).toEqual(["&".repeat(30), "<".repeat(30)]);
    for (const c of chunks) expect(parseTelegramHtml(c.html)).toEqual({ ok: true, text: c.text });
    expect(chunks[0]?.replyMarkup).toBeUndefined();
    expect(chunks[1]?.replyMarkup?.inline_keyboard).toEqual([
      [
        { text: "Yes", callback_data: "c:yes" },
        { text: "No", callback_data: "c:no" },
      ],
    ]);
  });

  it("leaves out buttons whose data Telegram would refuse", () => {
    const tooLong = { label: "Long", data: "x".repeat(CALLBACK_DATA_LIMIT + 1) };
    const multibyte = { label: "é", data: "é".repeat(33) }; // 66 bytes
    const ok = { label: "Fine", data: "x".repeat(CALLBACK_DATA_LIMIT) };
    const { markup, dropped } = toInlineKeyboard([[tooLong, ok], [multibyte], []]);
    expect(markup?.inline_keyboard).toEqual([[{ text: "Fine", callback_data: ok.data }]]);
    expect(dropped).toEqual([tooLong, multibyte]);
    expect(toInlineKeyboard([]).markup).toBeUndefined();
  });
});

describe("small pieces", () => {
  it("compares webhook secrets exactly", () => {
    expect(secretMatches("abc", "abc")).toBe(true);
    expect(secretMatches("abd", "abc")).toBe(false);
    expect(secretMatches("ab", "abc")).toBe(false);
    expect(secretMatches(undefined, "abc")).toBe(false);
    expect(secretMatches(["abc"], "abc")).toBe(false);
    expect(secretMatches("", undefined)).toBe(false);
  });

  it("backs off exponentially up to a cap", () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffMs(a, 100, 1_000))).toEqual([100, 200, 400, 800, 1_000]);
  });
});
