import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadOffset } from "../../../adapters/telegram/offset-store.ts";
import { VOICE_MESSAGES } from "../../../adapters/telegram/voice.ts";
import { type FakeDeepgram, startFakeDeepgram } from "../../fakes/deepgram.ts";
import { type FakeTelegram, startFakeTelegram } from "../../fakes/telegram-bot-api.ts";
import { createTestDatabase, type TestDb } from "../../helpers/db.ts";
import { waitFor } from "../../helpers/wait.ts";
import { memoryLogger, OWNER, type Running, startAdapter, testDispatcher } from "./harness.ts";

const VOICE_NOTE = new Uint8Array(
  readFileSync(new URL("../../fixtures/audio/voice-note.ogg", import.meta.url)),
);

let db: TestDb;
let fake: FakeTelegram;
let deepgram: FakeDeepgram;
let running: Running | undefined;
const log = memoryLogger();

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegram();
  deepgram = await startFakeDeepgram();
});
afterEach(async () => {
  await running?.adapter.stop();
  running = undefined;
  const secrets = [fake.token.split(":")[1] ?? "", deepgram.apiKey];
  for (const s of secrets) expect(log.raw.join("")).not.toContain(s);
});
afterAll(async () => {
  await fake.close();
  await deepgram.close();
  await db.drop();
});

const withDeepgram = () => ({ deepgram: { apiKey: deepgram.apiKey, baseUrl: deepgram.baseUrl } });
const offsetAfter = (updateId: number) =>
  waitFor(async () => ((await loadOffset(db.sql)) ?? 0) > updateId || undefined, {
    what: "the offset to move",
  });

describe("telegram voice notes", () => {
  it("transcribes an Ogg/Opus voice note with key terms, dispatches it, and starts the reply with what was heard", async () => {
    deepgram.respondWith("Add a task to draft the launch email for Launch, high priority.", 0.93);
    const dispatcher = testDispatcher(() => ({
      text: "Created task #3: draft the launch email (Launch, high).",
    }));
    running = await startAdapter(fake, db.sql, log.logger, {
      dispatcher,
      ...withDeepgram(),
      deps: { keyterms: async () => ["Launch", "Website Redesign", "seed"] },
    });
    const update = fake.pushVoice(OWNER, OWNER, VOICE_NOTE);
    const reply = await fake.waitForMessage((m) => m.plain.startsWith("I heard:"));

    expect(reply.plain).toBe(
      "I heard: “Add a task to draft the launch email for Launch, high priority.”\n\nCreated task #3: draft the launch email (Launch, high).",
    );
    expect(reply.text.startsWith("<i>I heard:</i> ")).toBe(true);
    const req = deepgram.requests.at(-1);
    expect(req).toMatchObject({
      authorization: `Token ${deepgram.apiKey}`,
      contentType: "audio/ogg",
      model: "nova-3",
      smartFormat: "true",
      keyterms: ["Launch", "Website Redesign", "seed"],
      bytes: VOICE_NOTE.byteLength,
    });
    expect(dispatcher.utterances).toHaveLength(1);
    expect(dispatcher.utterances[0]).toMatchObject({
      text: "Add a task to draft the launch email for Launch, high priority.",
      messageId: `tg:${OWNER}:${update.message?.message_id}`,
      context: {
        isGroup: false,
        transcriptConfidence: 0.93,
        heard: "Add a task to draft the launch email for Launch, high priority.",
      },
    });
    await offsetAfter(update.update_id);
  });

  it("a failed transcription is told to the person, and the update is confirmed only after that reply went out", async () => {
    const dispatcher = testDispatcher();
    running = await startAdapter(fake, db.sql, log.logger, { dispatcher, ...withDeepgram() });
    // One transcription = the request and the one retry the transcriber allows.
    deepgram.failNext(500, 2);
    const requestsBefore = deepgram.requests.length;
    // The first attempts to tell the person fail too (Telegram 5xx): the offset must wait for them.
    fake.failNext("sendMessage", { error_code: 502, description: "Bad Gateway" }, 2);
    const update = fake.pushVoice(OWNER, OWNER, VOICE_NOTE);

    const told = await fake.waitForMessage((m) => m.plain === VOICE_MESSAGES.transcription);
    expect(dispatcher.utterances).toHaveLength(0);
    expect(deepgram.requests.length - requestsBefore).toBe(2);
    await offsetAfter(update.update_id);
    const saved = fake.calls.filter((c) => c.method === "sendMessage" && c.params.text === told.text);
    expect(saved.length).toBe(3); // two 502s, then delivered
    expect(
      fake.calls.some((c) => c.method === "getUpdates" && Number(c.params.offset) === update.update_id + 1),
    ).toBe(true);
  });

  it("without a Deepgram key the bot says voice needs DEEPGRAM_API_KEY", async () => {
    const dispatcher = testDispatcher();
    running = await startAdapter(fake, db.sql, log.logger, { dispatcher });
    const update = fake.pushVoice(OWNER, OWNER, VOICE_NOTE);
    const m = await fake.waitForMessage((s) => s.plain === VOICE_MESSAGES.notConfigured);
    expect(m.plain).toContain("DEEPGRAM_API_KEY");
    expect(dispatcher.utterances).toHaveLength(0);
    await offsetAfter(update.update_id);
  });

  it("an audio file (mp3) goes through with its own content type; silence is reported, not dispatched", async () => {
    const dispatcher = testDispatcher();
    running = await startAdapter(fake, db.sql, log.logger, { dispatcher, ...withDeepgram() });
    deepgram.respondWith("", 0);
    fake.pushVoice(OWNER, OWNER, new Uint8Array([0xff, 0xfb, 0x90, 0x64, 1, 2, 3]), { asAudio: true });
    await fake.waitForMessage((s) => s.plain === VOICE_MESSAGES.empty);
    expect(deepgram.requests.at(-1)?.contentType).toBe("audio/mpeg");
    expect(dispatcher.utterances).toHaveLength(0);
  });
});
