import { afterAll, beforeAll, expect, it } from "vitest";
import { FakeDiscord } from "../../fakes/discord/fake-discord.ts";
import { createTestDatabase, type TestDb } from "../../helpers/db.ts";
import { waitFor } from "../../helpers/wait.ts";
import { logger, OWNER_ID, startHarness, TestDispatcher } from "./harness.ts";

let db: TestDb;
let fake: FakeDiscord;
beforeAll(async () => {
  db = await createTestDatabase();
  fake = await FakeDiscord.start();
});
afterAll(async () => {
  await fake?.close();
  await db?.drop();
});

it("only the holder of discord:<application id> holds the gateway; another takes over when it stops", async () => {
  const first = new TestDispatcher();
  const second = new TestDispatcher();
  const a = await startHarness({ sql: db.sql, dispatcher: first, fake, instanceId: "hub-a" });
  const b = await startHarness({
    sql: db.sql,
    dispatcher: second,
    fake,
    instanceId: "hub-b",
    waitForGateway: false,
  });
  try {
    expect(fake.identifyCount).toBe(1);
    const lease = await db.sql.query<{ holder: string }>(
      "SELECT holder FROM singleton_leases WHERE name = $1",
      [`discord:${fake.applicationId}`],
    );
    expect(lease.rows[0]?.holder).toBe("hub-a");

    const m1 = fake.dmText(OWNER_ID, "who answers?");
    await fake.waitForMessage((m) => m.content === "ok: who answers?");
    expect(first.countOf(m1.id)).toBe(1);
    expect(second.utterances).toHaveLength(0);

    // an instance without the gateway still sends notifications (REST only)
    await b.adapter.send(fake.dmChannelId(OWNER_ID), { text: "notified by hub-b" });
    await fake.waitForMessage((m) => m.content === "notified by hub-b");

    await a.stop();
    await waitFor(() => fake.identifyCount === 2 && fake.gateway.connected, { what: "hub-b to take over" });
    const m2 = fake.dmText(OWNER_ID, "and now?");
    await fake.waitForMessage((m) => m.content === "ok: and now?");
    expect(second.countOf(m2.id)).toBe(1);
    expect(first.countOf(m2.id)).toBe(0);
  } finally {
    await a.stop();
    await b.stop();
  }
});

it("stop() and start() are safe to call twice", async () => {
  const d = new TestDispatcher();
  const h = await startHarness({ sql: db.sql, dispatcher: d, fake, instanceId: "hub-c" });
  await h.adapter.start({ dispatcher: d, logger, signal: new AbortController().signal });
  await Promise.all([h.adapter.stop(), h.adapter.stop()]);
  await h.adapter.stop();
  const lease = await db.sql.query("SELECT 1 FROM singleton_leases WHERE name = $1 AND holder = 'hub-c'", [
    `discord:${fake.applicationId}`,
  ]);
  expect(lease.rowCount).toBe(0);
});
