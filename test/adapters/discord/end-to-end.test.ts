import { afterAll, beforeAll, expect, it } from "vitest";
import { createDispatcher } from "../../../src/conversation/dispatcher.ts";
import { createRulesParser } from "../../../src/conversation/parser.ts";
import { refusal } from "../../../src/cos/meta-replies.ts";
import { FakeDiscord } from "../../fakes/discord/fake-discord.ts";
import { createTestDatabase, type TestDb } from "../../helpers/db.ts";
import { logger, OWNER_ID, STRANGER_ID, startHarness } from "./harness.ts";

// The hub's real dispatcher (rules parser, Postgres) behind the adapter, against fake Discord.

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

function dispatcher() {
  return createDispatcher({
    sql: db.sql,
    parser: createRulesParser(),
    logger,
    config: {
      owner: { name: "Mira", telegramIds: [], discordIds: [OWNER_ID], emails: [], phones: [] },
      timeZone: "Europe/Paris",
      leaseSeconds: 300,
      maxAttempts: 3,
      agentOfflineSeconds: 120,
      voice: { minConfidence: 0.6 },
    },
  });
}

const taskCount = async () => (await db.sql.query("SELECT 1 FROM tasks")).rowCount;
const hasButton = (m: { components: Record<string, unknown>[] }, id: string) =>
  JSON.stringify(m.components).includes(`"custom_id":"${id}"`);

it("creates a task by slash command and completes it by button; a stranger is refused; a restart acts on nothing twice", async () => {
  const first = await startHarness({ sql: db.sql, dispatcher: dispatcher(), fake, instanceId: "hub-e2e-1" });
  let next: Awaited<ReturnType<typeof startHarness>> | undefined;
  const seeded = await taskCount(); // the schema seeds a task of its own
  try {
    const cmd = fake.slashCommand({
      userId: OWNER_ID,
      name: "task",
      options: [
        { name: "title", value: "Build landing page" },
        { name: "priority", value: "high" },
      ],
    });
    const created = await fake.waitForMessage((m) => m.interaction_metadata?.id === cmd.id);
    const row = await db.sql.query<{ number: number; status: string; priority: number }>(
      "SELECT number, status, priority FROM tasks WHERE title = 'Build landing page'",
    );
    const n = row.rows[0]?.number as number;
    expect(row.rows[0]).toMatchObject({ status: "pending", priority: 75 });
    expect(created.content).toContain(String(n));
    expect(hasButton(created, `t:d:${n}`)).toBe(true);

    const press = fake.pressButton({ userId: OWNER_ID, messageId: created.id, customId: `t:d:${n}` });
    const done = await fake.waitForMessage(
      (m) => m.interaction_metadata?.id === press.id && m.id !== created.id,
    );
    expect(done.content.length).toBeGreaterThan(0);
    expect(fake.store.byId.get(created.id)?.components).toEqual([]);
    const status = await db.sql.query<{ status: string }>("SELECT status FROM tasks WHERE number = $1", [n]);
    expect(status.rows[0]?.status).toBe("completed");

    const dm = fake.dmText(OWNER_ID, "add a task to write the launch email, high priority");
    const reply = await fake.waitForMessage(
      (m) => m.channel_id === dm.channel_id && BigInt(m.id) > BigInt(dm.id),
    );
    const second = await db.sql.query<{ number: number }>(
      "SELECT number FROM tasks WHERE title ILIKE '%launch email%'",
    );
    expect(hasButton(reply, `t:d:${second.rows[0]?.number}`)).toBe(true);

    const stranger = fake.dmText(STRANGER_ID, "add a task to wire money");
    const refused = await fake.waitForMessage((m) => m.channel_id === stranger.channel_id);
    expect(refused.content).toBe(refusal().text);
    expect(await taskCount()).toBe(seeded + 2);

    // A restart: another instance takes the gateway, and Discord delivers the same message and
    // interaction again. The dispatcher's (channel, messageId) record makes both silent.
    await first.stop();
    next = await startHarness({ sql: db.sql, dispatcher: dispatcher(), fake, instanceId: "hub-e2e-2" });
    const postsBefore = fake.messages.length;
    fake.redeliver(dm.id);
    fake.redeliver(cmd.id);
    const probe = fake.dmText(OWNER_ID, "/tasks");
    await fake.waitForMessage((m) => m.channel_id === probe.channel_id && BigInt(m.id) > BigInt(probe.id));
    expect(fake.messages.length).toBe(postsBefore + 1);
    expect(fake.interactionCallbacks.filter((c) => c.interactionId === cmd.id)).toHaveLength(1);
    expect(await taskCount()).toBe(seeded + 2);
  } finally {
    await first.stop();
    await next?.stop();
  }
});
