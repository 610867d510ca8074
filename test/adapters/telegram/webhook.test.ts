import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTelegramAdapter, type TelegramAdapter } from "../../../adapters/telegram/adapter.ts";
import { CONFLICT_WEBHOOK, type FakeTelegram, startFakeTelegram } from "../../fakes/telegram-bot-api.ts";
import { createTestDatabase, type TestDb } from "../../helpers/db.ts";
import { freePort } from "../../helpers/ports.ts";
import { FAST, memoryLogger, OWNER, telegramConfig, testDispatcher } from "./harness.ts";

const SECRET = "wh_secret-0123456789abcdefABCDEF";
let db: TestDb;
let fake: FakeTelegram;
let app: FastifyInstance;
let adapter: TelegramAdapter;
let url: string;
const dispatcher = testDispatcher();
const log = memoryLogger();

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegram();
  const port = await freePort();
  url = `http://127.0.0.1:${port}/telegram/webhook`;
  adapter = createTelegramAdapter(telegramConfig(fake, { webhookUrl: url, webhookSecret: SECRET }), {
    sql: db.sql,
    logger: log.logger,
    tuning: FAST,
  });
  app = Fastify();
  await adapter.routes?.(app);
  await app.listen({ port, host: "127.0.0.1" });
  await adapter.start({ dispatcher, logger: log.logger, signal: new AbortController().signal });
});
afterAll(async () => {
  await adapter.stop();
  await app.close();
  await fake.close();
  await db.drop();
  const raw = log.raw.join("");
  expect(raw).not.toContain(fake.token.split(":")[1]);
  expect(raw).not.toContain(SECRET);
});

const text = (t: string, messageId: number) => ({
  message: {
    message_id: messageId,
    date: Math.floor(Date.now() / 1000),
    chat: { id: OWNER, type: "private" as const, first_name: "Ada" },
    from: { id: OWNER, is_bot: false, first_name: "Ada" },
    text: t,
  },
});

describe("telegram webhook mode", () => {
  it("start() sets the webhook with the secret token and never polls", () => {
    expect(fake.webhook).toEqual({ url, secretToken: SECRET, allowedUpdates: ["message", "callback_query"] });
    expect(fake.calls.some((c) => c.method === "getUpdates" || c.method === "deleteWebhook")).toBe(false);
    expect(adapter.status()).toMatchObject({ mode: "webhook", polling: false, state: "running" });
  });

  it("refuses a wrong or missing secret with 401 and does not dispatch", async () => {
    const wrong = await fake.postWebhook(text("from an impostor", 1), "not-the-secret");
    const missing = await fake.postWebhook(text("no header", 2), null);
    const almost = await fake.postWebhook(text("prefix", 3), SECRET.slice(0, -1));
    expect([wrong.status, missing.status, almost.status]).toEqual([401, 401, 401]);
    expect(dispatcher.utterances).toHaveLength(0);
  });

  it("handles an update with the right secret before answering 200; a redelivery is not handled twice", async () => {
    const update = { ...text("/status", 10), update_id: 900_001 };
    const res = await fake.postWebhook(update);
    expect(res.status).toBe(200);
    // the reply went out before Telegram got its 200
    expect(fake.sent.some((m) => m.plain === "ok: /status")).toBe(true);
    expect(dispatcher.utterances.map((u) => u.text)).toEqual(["/status"]);

    const again = await fake.postWebhook(update);
    expect(again.status).toBe(200);
    expect(dispatcher.utterances).toHaveLength(1);
    expect(fake.sent.filter((m) => m.plain === "ok: /status")).toHaveLength(1);
  });

  it("rejects a body that is not an update (400), and polling elsewhere meets a 409 while the webhook is set", async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
      body: JSON.stringify({ hello: "world" }),
    });
    expect(res.status).toBe(400);
    const poll = await fetch(`${fake.apiRoot}/bot${fake.token}/getUpdates`);
    expect(poll.status).toBe(409);
    expect(((await poll.json()) as { description: string }).description).toBe(CONFLICT_WEBHOOK);
  });
});
