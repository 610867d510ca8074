import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTelegramAdapter, type TelegramAdapter } from "../../../adapters/telegram/adapter.ts";
import { createDispatcher } from "../../../src/conversation/dispatcher.ts";
import { createRulesParser } from "../../../src/conversation/parser.ts";
import { type FakeTelegram, startFakeTelegram } from "../../fakes/telegram-bot-api.ts";
import { createTestDatabase, type TestDb } from "../../helpers/db.ts";
import { waitFor } from "../../helpers/wait.ts";
import { FAST, memoryLogger, OWNER, telegramConfig } from "./harness.ts";

// The adapter with the real dispatcher (src/conversation): Telegram in, the core changed, Telegram out.
let db: TestDb;
let fake: FakeTelegram;
let adapter: TelegramAdapter;
const log = memoryLogger();

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegram();
  const dispatcher = createDispatcher({
    sql: db.sql,
    parser: createRulesParser(),
    logger: log.logger,
    config: {
      owner: { name: "Ada", telegramIds: [String(OWNER)], discordIds: [], emails: [], phones: [] },
      timeZone: "UTC",
      leaseSeconds: 300,
      maxAttempts: 3,
      agentOfflineSeconds: 120,
      voice: { minConfidence: 0.6 },
    },
  });
  adapter = createTelegramAdapter(telegramConfig(fake), { sql: db.sql, logger: log.logger, tuning: FAST });
  await adapter.start({ dispatcher, logger: log.logger, signal: new AbortController().signal });
});
afterAll(async () => {
  await adapter.stop();
  await fake.close();
  await db.drop();
});

const task = async (title: string) =>
  (
    await db.sql.query<{ number: number; status: string; priority: number }>(
      "SELECT number, status, priority FROM tasks WHERE title = $1",
      [title],
    )
  ).rows[0];

describe("telegram with the real dispatcher", () => {
  it("/task creates the task and the reply's Done button completes it", async () => {
    const before = fake.sent.length;
    fake.pushText(OWNER, OWNER, "/task Write the launch email !high");
    const reply = await fake.waitForMessage((m) => fake.sent.indexOf(m) >= before && m.chat_id === OWNER);
    const created = await waitFor(() => task("Write the launch email"), { what: "the task row" });
    expect(created.status).toBe("pending");
    expect(created.priority).toBe(75);
    expect(reply.plain).toContain(String(created.number));

    const done = reply.reply_markup?.inline_keyboard.flat().find((b) => b.text === "Done");
    expect(done && "callback_data" in done ? done.callback_data : undefined).toBe(`t:d:${created.number}`);
    const afterFirst = fake.sent.length;
    fake.pushCallback(OWNER, OWNER, `t:d:${created.number}`, { messageId: reply.message_id });
    await fake.waitForMessage((m) => fake.sent.indexOf(m) >= afterFirst);
    await waitFor(async () => (await task("Write the launch email"))?.status === "completed" || undefined, {
      what: "the task completed",
    });
    expect(fake.sent.find((m) => m.message_id === reply.message_id)?.reply_markup).toBeUndefined();
  });

  it("a stranger is not served: no task, at most a refusal", async () => {
    const stranger = 999_001;
    const update = fake.pushText(stranger, stranger, "/task Transfer all the money");
    await waitFor(
      () => (fake.pendingUpdates().some((u) => u.update_id === update.update_id) ? undefined : true),
      {
        what: "the stranger's update handled",
      },
    );
    expect(await task("Transfer all the money")).toBeUndefined();
    expect(fake.sent.filter((m) => m.chat_id === stranger).length).toBeLessThanOrEqual(1);
  });
});
