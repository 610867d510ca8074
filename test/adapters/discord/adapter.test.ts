import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { USER_CONVERSATION_PREFIX } from "../../../adapters/discord/index.ts";
import { taskButtons } from "../../../src/channels/buttons.ts";
import type { Reply } from "../../../src/channels/types.ts";
import { HubError } from "../../../src/errors.ts";
import { FakeDiscord } from "../../fakes/discord/fake-discord.ts";
import { createTestDatabase, type TestDb } from "../../helpers/db.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  type Harness,
  OWNER_ID,
  REFUSAL,
  reply,
  STRANGER_ID,
  startHarness,
  TestDispatcher,
} from "./harness.ts";

const created = (n: number): Reply =>
  reply({
    text: `Created #${n} draft the launch email (Launch, high)`,
    intent: "task.create",
    buttons: [taskButtons(n)],
    actions: [{ type: "task.created", id: String(n), summary: "draft the launch email" }],
    taskNumber: n,
  });

let db: TestDb;
let h: Harness;
const dispatcher = new TestDispatcher();

beforeAll(async () => {
  db = await createTestDatabase();
  h = await startHarness({ sql: db.sql, dispatcher, deps: { deferAfterMs: 1_000 } });
});
afterAll(async () => {
  await h?.stop();
  await db?.drop();
});
beforeEach(() => {
  dispatcher.answer = (u) => reply({ text: `ok: ${u.text}`, intent: u.preset?.intent ?? "unknown" });
});

const hasButton = (m: { components: Record<string, unknown>[] }, customId: string) =>
  JSON.stringify(m.components).includes(`"custom_id":"${customId}"`);

describe("direct messages", () => {
  it("turns a DM into an utterance and posts the reply, with buttons, in the DM channel", async () => {
    dispatcher.answer = () => created(12);
    const msg = h.fake.dmText(OWNER_ID, "add a task to draft the launch email for Launch, high priority", {
      name: "Mira",
    });
    const out = await h.fake.waitForMessage(
      (m) => m.channel_id === msg.channel_id && m.content.startsWith("Created"),
    );

    const u = dispatcher.utterances.find((x) => x.messageId === msg.id);
    expect(u).toMatchObject({
      channel: "discord",
      sender: OWNER_ID,
      senderName: "Mira",
      conversation: h.fake.dmChannelId(OWNER_ID),
      text: "add a task to draft the launch email for Launch, high priority",
      messageId: msg.id,
      context: { isGroup: false },
    });
    expect(u?.preset).toBeUndefined();
    expect(out.content).toBe("Created #12 draft the launch email (Launch, high)");
    expect(out.message_reference).toBeUndefined();
    expect(out.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 3, label: "Done", custom_id: "t:d:12" },
          { type: 2, style: 2, label: "Assign", custom_id: "t:a:12" },
          { type: 2, style: 4, label: "Cancel", custom_id: "t:x:12" },
        ],
      },
    ]);
  });

  it("passes an unknown user through and sends the dispatcher's refusal", async () => {
    const msg = h.fake.dmText(STRANGER_ID, "delete everything");
    const out = await h.fake.waitForMessage((m) => m.channel_id === msg.channel_id);
    expect(dispatcher.utterances.find((u) => u.messageId === msg.id)?.sender).toBe(STRANGER_ID);
    expect(out.content).toBe(REFUSAL);
    expect(out.channel_id).toBe(h.fake.dmChannelId(STRANGER_ID));
  });

  it("splits a long reply at 2000 characters on line breaks, buttons under the last part", async () => {
    const lines = Array.from(
      { length: 150 },
      (_, i) => `line ${String(i).padStart(3, "0")}: ${"x".repeat(20)}`,
    );
    dispatcher.answer = () => reply({ text: lines.join("\n"), buttons: [taskButtons(7)] });
    const msg = h.fake.dmText(OWNER_ID, "tell me everything");
    const last = await h.fake.waitForMessage((m) => m.channel_id === msg.channel_id && hasButton(m, "t:d:7"));
    const parts = h.fake.messages.filter(
      (m) => m.channel_id === msg.channel_id && BigInt(m.id) > BigInt(msg.id),
    );
    expect(parts.length).toBe(3);
    expect(parts.at(-1)?.id).toBe(last.id);
    for (const p of parts) expect(p.content.length).toBeLessThanOrEqual(2000);
    expect(parts.slice(0, -1).every((p) => p.components.length === 0)).toBe(true);
    expect(parts.map((p) => p.content).join("\n")).toBe(lines.join("\n"));
  });

  it("posts nothing for a silent reply", async () => {
    dispatcher.answer = (u) =>
      u.text === "again?" ? reply({ text: "", silent: true }) : reply({ text: `ok: ${u.text}` });
    const quiet = h.fake.dmText(OWNER_ID, "again?");
    h.fake.dmText(OWNER_ID, "after the silent one");
    // replies in one conversation come in order: once the second is answered the first was handled
    await h.fake.waitForMessage((m) => m.content === "ok: after the silent one");
    expect(dispatcher.countOf(quiet.id)).toBe(1);
    expect(h.fake.messages.some((m) => m.content.includes("again?"))).toBe(false);
  });

  it("keeps to Discord's rate limit: a 429 is waited out and the message is sent once", async () => {
    const channel = h.fake.dmChannelId(OWNER_ID);
    h.fake.failNext({ method: "POST", path: new RegExp(`^/channels/${channel}/messages$`), status: 429 });
    const before = h.fake.requests.filter((r) => r.path === `/channels/${channel}/messages`).length;
    h.fake.dmText(OWNER_ID, "rate limited please");
    await h.fake.waitForMessage((m) => m.content === "ok: rate limited please");
    const posts = h.fake.requests.filter((r) => r.path === `/channels/${channel}/messages`).length - before;
    expect(posts).toBe(2);
    expect(h.fake.messages.filter((m) => m.content === "ok: rate limited please").length).toBe(1);
  });
});

describe("guild channels", () => {
  it("answers a mention in a configured channel as a reply to it, and ignores what is not addressed", async () => {
    const channel = h.fake.guildChannelIds[0] as string;
    const ignored = h.fake.channelText(channel, OWNER_ID, "chatting among ourselves");
    const other = h.fake.channelText(h.fake.guildChannelIds[1] as string, OWNER_ID, "wrong room", {
      mentionBot: true,
    });
    const asked = h.fake.channelText(channel, OWNER_ID, "what's blocked?", { mentionBot: true });
    const out = await h.fake.waitForMessage(
      (m) => m.channel_id === channel && m.content === "ok: what's blocked?",
    );
    expect(out.message_reference?.message_id).toBe(asked.id);
    expect(dispatcher.utterances.find((u) => u.messageId === asked.id)?.context).toEqual({ isGroup: true });
    expect(dispatcher.countOf(ignored.id)).toBe(0);
    expect(dispatcher.countOf(other.id)).toBe(0);
  });
});

describe("slash commands", () => {
  it("registers the commands globally when no guild is set", () => {
    expect(h.fake.commandRegistrations[0]).toMatchObject({
      scope: "global",
      route: `/applications/${h.fake.applicationId}/commands`,
    });
    expect(h.fake.commandRegistrations[0]?.commands.map((c) => c.name)).toEqual([
      "task",
      "tasks",
      "status",
      "agents",
      "projects",
      "help",
    ]);
  });

  it("turns /task with options into a preset and answers through the interaction callback", async () => {
    dispatcher.answer = () => created(14);
    const sent = h.fake.slashCommand({
      userId: OWNER_ID,
      name: "task",
      options: [
        { name: "title", value: "Build landing page" },
        { name: "project", value: "Website" },
        { name: "priority", value: "high" },
      ],
    });
    const out = await h.fake.waitForMessage((m) => m.interaction_metadata?.id === sent.id);
    expect(dispatcher.utterances.find((u) => u.messageId === sent.id)).toMatchObject({
      sender: OWNER_ID,
      conversation: h.fake.dmChannelId(OWNER_ID),
      text: "/task Build landing page @Website !high",
      preset: {
        intent: "task.create",
        slots: { title: "Build landing page", project: "Website", priority: "high" },
      },
    });
    expect(h.fake.interactionCallbacks.filter((c) => c.interactionId === sent.id).map((c) => c.type)).toEqual(
      [4],
    );
    expect(out.content).toBe("Created #14 draft the launch email (Launch, high)");
    expect(hasButton(out, "t:d:14")).toBe(true);
  });

  it("defers a slow answer, then edits the deferred reply", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    dispatcher.answer = async () => {
      await gate;
      return reply({ text: "Briefing: 3 done, 1 blocked", intent: "briefing" });
    };
    const sent = h.fake.slashCommand({ userId: OWNER_ID, name: "status" });
    await waitFor(() => h.fake.interactionCallbacks.find((c) => c.interactionId === sent.id), {
      what: "the deferral",
    });
    expect(h.fake.interactionCallbacks.find((c) => c.interactionId === sent.id)?.type).toBe(5);
    release();
    const out = await h.fake.waitForMessage(
      (m) => m.interaction_metadata?.id === sent.id && m.content === "Briefing: 3 done, 1 blocked",
    );
    expect(out.flags & 128).toBe(0);
    expect(h.fake.requests.some((r) => r.method === "PATCH" && r.path.endsWith("/messages/@original"))).toBe(
      true,
    );
  });
});

describe("buttons", () => {
  it("a press that changes something removes the buttons and answers below", async () => {
    dispatcher.answer = () => created(21);
    const msg = h.fake.dmText(OWNER_ID, "add a task to draft the launch email");
    const withButtons = await h.fake.waitForMessage((m) => hasButton(m, "t:d:21"));

    dispatcher.answer = (u) =>
      reply({
        text: "Done: #21 draft the launch email",
        intent: u.preset?.intent ?? "unknown",
        actions: [{ type: "task.completed", id: "21", summary: "draft the launch email" }],
      });
    const press = h.fake.pressButton({ userId: OWNER_ID, messageId: withButtons.id, customId: "t:d:21" });
    const answer = await h.fake.waitForMessage((m) => m.content === "Done: #21 draft the launch email");

    expect(dispatcher.utterances.find((u) => u.messageId === press.id)).toMatchObject({
      sender: OWNER_ID,
      conversation: msg.channel_id,
      text: "Done",
      preset: { intent: "task.complete", slots: { task: 21 } },
      context: { taskNumber: 21 },
    });
    expect(h.fake.interactionCallbacks.find((c) => c.interactionId === press.id)).toEqual({
      interactionId: press.id,
      type: 7,
      data: { components: [] },
    });
    const original = h.fake.store.byId.get(withButtons.id);
    expect(original?.components).toEqual([]);
    expect(original?.content).toBe(withButtons.content);
    expect(answer.interaction_metadata?.id).toBe(press.id);
    expect(answer.flags & 64).toBe(0);
  });

  it("in a guild channel, a press that changes nothing (a refusal) is answered only to the presser", async () => {
    const channel = h.fake.guildChannelIds[0] as string;
    dispatcher.answer = () => created(22);
    h.fake.channelText(channel, OWNER_ID, "add a task", { mentionBot: true });
    const withButtons = await h.fake.waitForMessage(
      (m) => m.channel_id === channel && hasButton(m, "t:x:22"),
    );

    const press = h.fake.pressButton({ userId: STRANGER_ID, messageId: withButtons.id, customId: "t:x:22" });
    const answer = await h.fake.waitForMessage((m) => m.interaction_metadata?.id === press.id);
    expect(answer.content).toBe(REFUSAL);
    expect(answer.flags & 64).toBe(64);
    expect(h.fake.interactionCallbacks.find((c) => c.interactionId === press.id)?.type).toBe(4);
    expect(hasButton(h.fake.store.byId.get(withButtons.id) ?? { components: [] }, "t:x:22")).toBe(true);
  });

  it("a slow press is deferred without a visible state, then answered", async () => {
    dispatcher.answer = () => created(23);
    h.fake.dmText(OWNER_ID, "add another");
    const withButtons = await h.fake.waitForMessage((m) => hasButton(m, "t:a:23"));
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    dispatcher.answer = async () => {
      await gate;
      return reply({
        text: "Assigned #23 to seed",
        actions: [{ type: "task.assigned", id: "23", summary: "seed" }],
      });
    };
    const press = h.fake.pressButton({ userId: OWNER_ID, messageId: withButtons.id, customId: "t:a:23" });
    await waitFor(() => h.fake.interactionCallbacks.find((c) => c.interactionId === press.id), {
      what: "deferral",
    });
    expect(h.fake.interactionCallbacks.find((c) => c.interactionId === press.id)?.type).toBe(6);
    release();
    await h.fake.waitForMessage((m) => m.content === "Assigned #23 to seed");
    expect(h.fake.store.byId.get(withButtons.id)?.components).toEqual([]);
  });
});

describe("notifications", () => {
  it("send() posts to a channel id, with buttons", async () => {
    const channel = h.fake.dmChannelId(OWNER_ID);
    await h.adapter.send(channel, { text: "#31 blocked: which logo?", buttons: [taskButtons(31)] });
    const out = await h.fake.waitForMessage((m) => m.content === "#31 blocked: which logo?");
    expect(out.channel_id).toBe(channel);
    expect(hasButton(out, "t:d:31")).toBe(true);
  });

  it("send() to user:<id> opens the DM first", async () => {
    const userId = "300000000000000042";
    await h.adapter.send(`${USER_CONVERSATION_PREFIX}${userId}`, { text: "Good morning: 2 tasks due today" });
    const out = await h.fake.waitForMessage((m) => m.content === "Good morning: 2 tasks due today");
    expect(out.channel_id).toBe(h.fake.dmChannelId(userId));
    expect(h.fake.requests.some((r) => r.method === "POST" && r.path === "/users/@me/channels")).toBe(true);
  });

  it("send() to a channel Discord does not know fails with a HubError", async () => {
    const err = await h.adapter.send("999999999999999999", { text: "hello?" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).code).toBe("not_found");
  });
});

describe("registration per guild", () => {
  it("registers the commands on the guild's route when DISCORD_GUILD_ID is set", async () => {
    // another application, so its gateway lease is not the one the shared harness holds
    const fake = await FakeDiscord.start({ applicationId: "2234567890123456789" });
    const g = await startHarness({
      sql: db.sql,
      dispatcher: new TestDispatcher(),
      fake,
      guildId: fake.guildId,
    });
    try {
      expect(fake.commandRegistrations).toHaveLength(1);
      expect(fake.commandRegistrations[0]).toMatchObject({
        scope: "guild",
        guildId: fake.guildId,
        route: `/applications/2234567890123456789/guilds/${fake.guildId}/commands`,
      });
    } finally {
      await g.stop();
      await fake.close();
    }
  });
});
