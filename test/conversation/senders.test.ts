import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Utterance } from "../../src/channels/types.ts";
import { listIdentities, revokeIdentity } from "../../src/conversation/identities.ts";
import { createPairingCode } from "../../src/conversation/pairing.ts";
import type { Sql } from "../../src/db/sql.ts";
import { createHarness, type Harness } from "./harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.db.drop();
});

/** Everything a stranger could change, so "nothing changed" is one comparison. */
async function snapshot(sql: Sql) {
  const q = async (text: string) => (await sql.query(text)).rows;
  return {
    tasks: await q("SELECT id, status, title, priority, assigned_to FROM tasks ORDER BY number"),
    projects: await q("SELECT id, status, name FROM projects ORDER BY name"),
    agents: await q("SELECT name, status FROM agents ORDER BY name"),
    events: await q("SELECT id FROM events ORDER BY id"),
    state: await q("SELECT * FROM conversation_state ORDER BY channel, conversation"),
    prefs: await q("SELECT * FROM notification_preferences"),
    identities: await q("SELECT * FROM identities"),
  };
}

const countTasks = async () =>
  (await h.db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM tasks")).rows[0]?.n;

describe("redelivery", () => {
  it("a redelivered message does nothing the second time", async () => {
    const u: Utterance = {
      channel: "telegram",
      sender: "100",
      conversation: "100",
      text: "add a task to buy stamps",
      messageId: "tg-update-1",
      receivedAt: new Date(),
    };
    const first = await h.dispatcher.handle(u);
    expect(first.intent).toBe("task.create");
    const n = await countTasks();
    const again = await h.dispatcher.handle(u);
    expect(again.silent).toBe(true);
    expect(await countTasks()).toBe(n);
    // Also after a restart: the mark is in the database.
    h.restart();
    expect((await h.dispatcher.handle(u)).silent).toBe(true);
    expect(await countTasks()).toBe(n);
  });

  it("two concurrent deliveries of one message act once", async () => {
    const u: Utterance = {
      channel: "telegram",
      sender: "100",
      conversation: "100",
      text: "add a task to buy envelopes",
      messageId: "tg-update-2",
      receivedAt: new Date(),
    };
    const before = await countTasks();
    const replies = await Promise.all([
      h.dispatcher.handle(u),
      h.dispatcher.handle(u),
      h.dispatcher.handle(u),
    ]);
    expect(replies.filter((r) => !r.silent)).toHaveLength(1);
    expect(await countTasks()).toBe((before ?? 0) + 1);
  });

  it("the same message id on another channel is another message", async () => {
    const base = {
      sender: "100",
      conversation: "100",
      text: "what's open",
      messageId: "same-id",
      receivedAt: new Date(),
    };
    expect((await h.dispatcher.handle({ ...base, channel: "telegram" })).silent).toBe(false);
    expect((await h.dispatcher.handle({ ...base, channel: "discord", sender: "200" })).silent).toBe(false);
  });
});

describe("strangers", () => {
  it("are refused politely once per hour, learn nothing, and change nothing", async () => {
    const before = await snapshot(h.db.sql);
    const stranger = { channel: "telegram" as const, sender: "666", conversation: "666" };
    const first = await h.say("add a task to wire money to me", stranger);
    expect(first.silent).toBe(false);
    expect(first.text).toMatch(/only take requests from my owner/);
    expect(first.text).not.toMatch(/task \d|Website|seed/);
    const second = await h.say("what's open", stranger);
    expect(second.silent).toBe(true);
    const third = await h.say("cancel task 1", stranger);
    expect(third.silent).toBe(true);
    expect(await snapshot(h.db.sql)).toEqual(before);
  });

  it("are refused again after the hour", async () => {
    const quick = await createHarness({ refusalIntervalMs: 50 });
    try {
      const s = { channel: "discord" as const, sender: "999", conversation: "dm-999" };
      expect((await quick.say("hi", s)).silent).toBe(false);
      expect((await quick.say("hi", s)).silent).toBe(true);
      await quick.db.sql.query("UPDATE sender_refusals SET last_refused_at = now() - interval '1 second'");
      expect((await quick.say("hi", s)).silent).toBe(false);
    } finally {
      await quick.db.drop();
    }
  });

  it("the owner is known on every channel from the config, and terminal and web speak for the owner", async () => {
    for (const u of [
      { channel: "discord" as const, sender: "200", conversation: "dm" },
      { channel: "email" as const, sender: "ANA@example.com", conversation: "thread" },
      { channel: "voice" as const, sender: "+33 6 00 00 00 00", conversation: "call" },
      { channel: "terminal" as const, sender: "anyone", conversation: "local" },
      { channel: "web" as const, sender: "session", conversation: "web" },
    ]) {
      const r = await h.say("what's open", u);
      expect(r.intent, u.channel).toBe("task.list");
    }
  });
});

describe("pairing", () => {
  it("links a sender who sends a fresh code, once", async () => {
    const { code, expiresAt } = await createPairingCode(h.db.sql);
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(59 * 60 * 1000);
    const stored = await h.db.sql.query<{ code_hash: string }>("SELECT code_hash FROM pairing_codes");
    expect(JSON.stringify(stored.rows)).not.toContain(code.replace("-", ""));

    const phone = { channel: "telegram" as const, sender: "4242", conversation: "4242" };
    const paired = await h.say(`pair ${code.toLowerCase()}`, phone);
    expect(paired.text).toMatch(/Paired/);
    const r = await h.say("what's open", phone);
    expect(r.intent).toBe("task.list");
    const ids = await listIdentities(h.db.sql);
    expect(ids.map((i) => i.identity)).toContain("telegram:4242");

    // Single use: a second stranger with the same code is refused.
    const other = await h.say(code, { channel: "telegram", sender: "5151", conversation: "5151" });
    expect(other.text).toMatch(/only take requests/);

    // Revoked: refused again.
    await revokeIdentity(h.db.sql, "telegram:4242");
    expect((await listIdentities(h.db.sql)).map((i) => i.identity)).not.toContain("telegram:4242");
    const after = await h.say("what's open", phone);
    expect(after.intent).not.toBe("task.list");
  });

  it("an expired code links nobody", async () => {
    const { code } = await createPairingCode(h.db.sql, { ttlMs: 1 });
    await h.db.sql.query(
      "UPDATE pairing_codes SET expires_at = now() - interval '1 second' WHERE used_at IS NULL",
    );
    const r = await h.say(code, { channel: "discord", sender: "777", conversation: "dm-777" });
    expect(r.text).not.toMatch(/Paired/);
    expect((await listIdentities(h.db.sql)).map((i) => i.identity)).not.toContain("discord:777");
  });

  it("revoking an unknown identity is a not_found", async () => {
    await expect(revokeIdentity(h.db.sql, "telegram:nobody")).rejects.toMatchObject({ code: "not_found" });
  });
});
