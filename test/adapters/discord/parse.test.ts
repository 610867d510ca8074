import { readFileSync } from "node:fs";
import type { APIInteraction, GatewayMessageCreateDispatchData } from "discord.js";
import { describe, expect, it } from "vitest";
import {
  commandsRoute,
  commandUtterance,
  DISCORD_MESSAGE_LIMIT,
  formatMessage,
  parseInteractionCreate,
  parseMessageCreate,
  SLASH_COMMANDS,
  splitText,
} from "../../../adapters/discord/index.ts";
import { taskButtons } from "../../../src/channels/buttons.ts";

const BOT = "1234567890123456789";
const CHANNEL = "1100000000000000101";
const NOW = new Date("2026-11-20T10:00:00Z");
const ctx = { botUserId: BOT, channelIds: [CHANNEL], now: () => NOW };

function fixture<T>(name: string): T {
  const frame = JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as { d: T };
  return frame.d;
}

describe("MESSAGE_CREATE → utterance (recorded payloads)", () => {
  it("takes a DM as text from the Discord user, answered in the DM channel", () => {
    const r = parseMessageCreate(fixture<GatewayMessageCreateDispatchData>("message-create-dm.json"), ctx);
    expect(r).toEqual({
      ok: true,
      inGuild: false,
      utterance: {
        channel: "discord",
        sender: "300000000000000001",
        senderName: "Mira",
        conversation: "1558811403878400001",
        text: "add a task to draft the launch email for Launch, high priority",
        messageId: "1573265157964959745",
        receivedAt: new Date("2026-11-20T09:14:03.512Z"),
        context: { isGroup: false },
      },
    });
  });

  it("takes a mention in a configured channel without the mention, keeping line breaks", () => {
    const r = parseMessageCreate(
      fixture<GatewayMessageCreateDispatchData>("message-create-guild-mention.json"),
      ctx,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.inGuild).toBe(true);
    expect(r.utterance.text).toBe("what's blocked in Website?\nand who has #12");
    expect(r.utterance.senderName).toBe("Mira (ops)");
    expect(r.utterance.context).toEqual({ isGroup: true });
  });

  it("ignores guild messages that are not addressed, in other channels, and from bots", () => {
    const d = fixture<GatewayMessageCreateDispatchData>("message-create-guild-mention.json");
    const plain = { ...d, mentions: [], content: "just chatting" };
    expect(parseMessageCreate(plain, ctx)).toMatchObject({ ok: false, reason: "not addressed" });
    expect(parseMessageCreate({ ...plain, content: "/tasks blocked" }, ctx).ok).toBe(true);
    expect(parseMessageCreate({ ...d, channel_id: "999" }, ctx)).toMatchObject({
      reason: "channel not configured",
    });
    expect(parseMessageCreate({ ...d, author: { ...d.author, bot: true } }, ctx).ok).toBe(false);
    expect(parseMessageCreate({ ...d, author: { ...d.author, id: BOT } }, ctx).ok).toBe(false);
  });

  it("turns a bare mention into help", () => {
    const d = fixture<GatewayMessageCreateDispatchData>("message-create-guild-mention.json");
    const r = parseMessageCreate({ ...d, content: `<@${BOT}>` }, ctx);
    expect(r.ok && r.utterance.preset).toEqual({ intent: "help", slots: {} });
  });
});

describe("INTERACTION_CREATE → utterance (recorded payloads)", () => {
  it("turns /task with options into a task.create preset and a text rendering", () => {
    const r = parseInteractionCreate(fixture<APIInteraction>("interaction-slash-task.json"), ctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.ref).toMatchObject({
      id: "1573267963253895170",
      kind: "command",
      inGuild: true,
      applicationId: BOT,
    });
    expect(r.utterance).toMatchObject({
      channel: "discord",
      sender: "300000000000000001",
      senderName: "Mira",
      conversation: CHANNEL,
      messageId: "1573267963253895170",
      text: "/task Build landing page @Website !high due 2026-11-27",
      preset: {
        intent: "task.create",
        slots: { title: "Build landing page", project: "Website", priority: "high", due: "2026-11-27" },
      },
      context: { isGroup: true },
    });
    // an interaction has no timestamp: its snowflake id says when it was made
    expect(r.utterance.receivedAt.toISOString()).toBe("2026-11-20T09:25:12.345Z");
  });

  it("decodes a button press into the button's preset, with the label as text", () => {
    const r = parseInteractionCreate(fixture<APIInteraction>("interaction-button-done.json"), ctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.ref).toMatchObject({ kind: "button", inGuild: false });
    expect(r.utterance).toMatchObject({
      sender: "300000000000000001",
      conversation: "1558811403878400001",
      messageId: "1573269655370350598",
      text: "Done",
      preset: { intent: "task.complete", slots: { task: 12 } },
      context: { isGroup: false, taskNumber: 12 },
    });
  });

  it("answers a button it did not make, and a command outside the configured channels, with a notice", () => {
    const press = fixture<APIInteraction>("interaction-button-done.json");
    const stale = { ...press, data: { custom_id: "legacy:42", component_type: 2 } } as APIInteraction;
    expect(parseInteractionCreate(stale, ctx)).toMatchObject({
      ok: false,
      notice: "That button is no longer active.",
    });
    const cmd = fixture<APIInteraction>("interaction-slash-task.json");
    const elsewhere = { ...cmd, channel_id: "999", channel: { ...cmd.channel, id: "999" } } as APIInteraction;
    expect(parseInteractionCreate(elsewhere, ctx)).toMatchObject({
      ok: false,
      notice: `I answer in direct messages and in <#${CHANNEL}>.`,
    });
  });
});

describe("slash commands", () => {
  it("map every command of INTENTS.md to its intent", () => {
    expect(SLASH_COMMANDS.map((c) => c.name)).toEqual([
      "task",
      "tasks",
      "status",
      "agents",
      "projects",
      "help",
    ]);
    const intent = (name: string, options?: { name: string; type: 3; value: string }[]) =>
      commandUtterance(name, options)?.preset;
    expect(intent("tasks", [{ name: "status", type: 3, value: "blocked" }])).toEqual({
      intent: "task.list",
      slots: { status: "blocked" },
    });
    expect(intent("status")?.intent).toBe("briefing");
    expect(intent("agents")?.intent).toBe("agent.list");
    expect(intent("projects")?.intent).toBe("project.list");
    expect(intent("help")?.intent).toBe("help");
    expect(commandUtterance("nope", undefined)).toBeUndefined();
    expect(commandUtterance("task", [])).toBeUndefined();
  });

  it("leaves a due date in words to the parser (no preset)", () => {
    const r = commandUtterance("task", [
      { name: "title", type: 3, value: "  ship it " },
      { name: "due", type: 3, value: "friday" },
    ]);
    expect(r).toEqual({ text: "/task ship it due friday" });
  });

  it("register per guild when a guild is set, globally otherwise", () => {
    expect(commandsRoute("42", "7")).toBe("/applications/42/guilds/7/commands");
    expect(commandsRoute("42", undefined)).toBe("/applications/42/commands");
  });
});

describe("splitText", () => {
  it("keeps short text whole and never exceeds the limit", () => {
    expect(splitText("hello")).toEqual(["hello"]);
    expect(splitText("")).toEqual([]);
    const lines = Array.from({ length: 300 }, (_, i) => `#${i + 1} task number ${i + 1} with some words`);
    const chunks = splitText(lines.join("\n"));
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
    // split on line breaks: every line survives intact and in order
    expect(chunks.join("\n")).toBe(lines.join("\n"));
  });

  it("splits a line without breaks at spaces, then hard", () => {
    const words = Array.from({ length: 600 }, () => "word").join(" ");
    const chunks = splitText(words);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(2000);
    expect(chunks.join(" ")).toBe(words);
    const blob = "x".repeat(4500);
    expect(splitText(blob).map((c) => c.length)).toEqual([2000, 2000, 500]);
  });
});

describe("formatMessage", () => {
  it("puts buttons under the last chunk, custom_id = button data", () => {
    const long = Array.from({ length: 120 }, (_, i) => `line ${i} of a long answer that goes on`).join("\n");
    const out = formatMessage({ text: long, buttons: [taskButtons(12)] });
    expect(out.length).toBe(3);
    expect(out.slice(0, -1).every((p) => p.components === undefined)).toBe(true);
    expect(out.at(-1)?.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 3, label: "Done", custom_id: "t:d:12" },
          { type: 2, style: 2, label: "Assign", custom_id: "t:a:12" },
          { type: 2, style: 4, label: "Cancel", custom_id: "t:x:12" },
        ],
      },
    ]);
    expect(out.every((p) => p.allowed_mentions.parse?.length === 0)).toBe(true);
  });

  it("shows three or more task lines as an embed, with the heading as its title", () => {
    const out = formatMessage({
      text: "Open tasks in Website:\n#12 Build landing page (high)\n#14 Fix the_footer links\n#15 Write copy",
    });
    expect(out).toEqual([
      {
        embeds: [
          {
            title: "Open tasks in Website:",
            description: "#12 Build landing page (high)\n#14 Fix the\\_footer links\n#15 Write copy",
            color: 0x5865f2,
          },
        ],
        allowed_mentions: { parse: [] },
      },
    ]);
    expect(formatMessage({ text: "Created #12 Build landing page" })[0]).toEqual({
      content: "Created #12 Build landing page",
      allowed_mentions: { parse: [] },
    });
  });

  it("escapes markdown so text reads as written", () => {
    expect(formatMessage({ text: "# not a heading *really* [x](y)" })[0]?.content).toBe(
      "\\# not a heading \\*really\\* \\[x](y)",
    );
  });
});
