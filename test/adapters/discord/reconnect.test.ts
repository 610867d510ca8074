import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDb } from "../../helpers/db.ts";
import { waitFor } from "../../helpers/wait.ts";
import { type Harness, OWNER_ID, startHarness, TestDispatcher } from "./harness.ts";

let db: TestDb;
let h: Harness;
const dispatcher = new TestDispatcher();

beforeAll(async () => {
  db = await createTestDatabase();
  h = await startHarness({ sql: db.sql, dispatcher });
});
afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

const answered = (text: string) => h.fake.waitForMessage((m) => m.content === `ok: ${text}`);

describe("gateway reconnects", () => {
  it("connects as discord.js does: /gateway/bot, v=10, JSON, no zlib, the intents it needs", () => {
    expect(h.fake.requests.some((r) => r.method === "GET" && r.path === "/gateway/bot" && r.botAuth)).toBe(
      true,
    );
    expect(h.fake.gateway.connections[0]).toEqual({ path: "/gateway", query: { v: "10", encoding: "json" } });
    // GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT
    expect(h.fake.gateway.identifies[0]?.intents).toBe(1 | (1 << 9) | (1 << 12) | (1 << 15));
    expect(h.fake.gateway.identifies[0]?.compress).toBe(false);
  });

  it("resumes after a dropped connection: messages around it reach the dispatcher exactly once", async () => {
    const before = h.fake.dmText(OWNER_ID, "before the drop");
    await answered("before the drop");

    h.fake.forceReconnect("drop");
    // sent while the bot is away: Discord keeps them for the session and replays them on RESUME
    const during1 = h.fake.dmText(OWNER_ID, "while away 1");
    const during2 = h.fake.dmText(OWNER_ID, "while away 2");
    await waitFor(() => h.fake.resumeCount === 1, { what: "RESUME" });
    await answered("while away 2");
    const after = h.fake.dmText(OWNER_ID, "after the resume");
    await answered("after the resume");

    expect(h.fake.identifyCount).toBe(1);
    expect(h.fake.gateway.connections.at(-1)?.path).toBe("/gateway-resume");
    for (const m of [before, during1, during2, after]) expect(dispatcher.countOf(m.id)).toBe(1);
    for (const text of ["before the drop", "while away 1", "while away 2", "after the resume"]) {
      expect(h.fake.messages.filter((m) => m.content === `ok: ${text}`)).toHaveLength(1);
    }
  });

  it("follows RECONNECT (op 7); a replay of events already handled acts on none of them twice", async () => {
    const seen = h.fake.dmText(OWNER_ID, "seen before op7");
    await answered("seen before op7");
    const press = h.fake.slashCommand({ userId: OWNER_ID, name: "agents" });
    await h.fake.waitForMessage((m) => m.interaction_metadata?.id === press.id);

    const resumes = h.fake.resumeCount;
    h.fake.gateway.replayOverlap = 4; // Discord replays from before the client's last sequence number
    h.fake.forceReconnect("op7");
    const during = h.fake.dmText(OWNER_ID, "during op7");
    await waitFor(() => h.fake.resumeCount === resumes + 1, { what: "RESUME" });
    await answered("during op7");
    const after = h.fake.dmText(OWNER_ID, "after op7");
    await answered("after op7");

    expect(dispatcher.countOf(seen.id)).toBe(1);
    expect(dispatcher.countOf(press.id)).toBe(1);
    expect(dispatcher.countOf(during.id)).toBe(1);
    expect(dispatcher.countOf(after.id)).toBe(1);
    expect(h.fake.interactionCallbacks.filter((c) => c.interactionId === press.id)).toHaveLength(1);
    expect(h.fake.messages.filter((m) => m.content === "ok: seen before op7")).toHaveLength(1);
  });

  it("identifies anew when the session cannot be resumed", async () => {
    const identifies = h.fake.identifyCount;
    h.fake.invalidateSession(false);
    await waitFor(() => h.fake.identifyCount === identifies + 1 && h.fake.gateway.connected, {
      what: "IDENTIFY",
    });
    const m = h.fake.dmText(OWNER_ID, "after a new session");
    await answered("after a new session");
    expect(dispatcher.countOf(m.id)).toBe(1);
  });
});
