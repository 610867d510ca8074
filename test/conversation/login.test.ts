import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDispatcher } from "../../src/conversation/dispatcher.ts";
import { createRulesParser } from "../../src/conversation/parser.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";
import { logger, OWNER_TELEGRAM, testConfig } from "./harness.ts";

describe("/login from a chat", () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  const codes = async () =>
    (await db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM web_login_codes")).rows[0]?.n;

  it("sends the owner a one-time dashboard link in a private chat, and nowhere else", async () => {
    const d = createDispatcher({
      sql: db.sql,
      parser: createRulesParser(),
      logger,
      config: testConfig,
      dashboardUrl: () => "https://hub.example.com",
    });
    const say = (text: string, extra: Record<string, unknown> = {}) =>
      d.handle({
        channel: "telegram",
        sender: OWNER_TELEGRAM,
        conversation: OWNER_TELEGRAM,
        text,
        messageId: randomUUID(),
        receivedAt: new Date(),
        ...extra,
      });

    const r = await say("/login@AgentOpsBot");
    expect(r.text).toMatch(
      /^Here's your sign-in link[\s\S]*https:\/\/hub\.example\.com\/web\/login\?code=[A-Z0-9]{5}-[A-Z0-9]{5}$/,
    );
    expect(await codes()).toBe(1);
    // The reply holds the code: it is not kept with the handled message.
    const kept = await db.sql.query("SELECT 1 FROM processed_messages WHERE reply::text LIKE '%code=%'");
    expect(kept.rowCount).toBe(0);

    const group = await say("/login", { context: { isGroup: true } });
    expect(group.text).toMatch(/private chat/);
    const stranger = await say("/login", { sender: "999" });
    expect(stranger.text).not.toMatch(/code=/);
    expect(await codes()).toBe(1);
  });
});
