import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeDeepgram, startFakeDeepgram } from "../../fakes/deepgram.ts";
import { expectSpeakable, startVoiceHub, type VoiceHub } from "./harness.ts";

const WAV = readFileSync(new URL("../../fixtures/audio/call-the-bank.wav", import.meta.url));
const OGG = readFileSync(new URL("../../fixtures/audio/voice-note.ogg", import.meta.url));

let hub: VoiceHub;
let deepgram: FakeDeepgram;

beforeAll(async () => {
  deepgram = await startFakeDeepgram();
  hub = await startVoiceHub({ config: { deepgram: { apiKey: deepgram.apiKey, baseUrl: deepgram.baseUrl } } });
  // names the transcriber should be told about
  await hub.call("/v1/voice/chat", { body: { message: "start a project called Launch" } });
});
afterAll(async () => {
  await hub?.close();
  await deepgram?.close();
});

const sendAudio = (audio: BodyInit, type = "audio/wav", session = "audio-1") =>
  hub.call(`/v1/voice/audio?session_id=${session}`, { raw: audio, headers: { "content-type": type } });

const processed = async () =>
  (await hub.db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM processed_messages")).rows[0]?.n;

describe("POST /v1/voice/audio", () => {
  it("transcribes a WAV with Deepgram and acts on it", async () => {
    deepgram.respondWith("Um, add a task to call the bank tomorrow.", 0.96);
    const r = await sendAudio(WAV);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      transcript: "Um, add a task to call the bank tomorrow.",
      confidence: 0.96,
      session_id: "audio-1",
      awaiting_confirmation: false,
      end_call: false,
    });
    expect(r.body.actions[0].type).toBe("task.created");
    expect((await hub.task(Number(r.body.actions[0].id)))?.title).toBe("call the bank");
    expectSpeakable(r.body.response);

    const req = deepgram.requests.at(-1);
    expect(req).toMatchObject({
      model: "nova-3",
      smartFormat: "true",
      contentType: "audio/wav",
      bytes: WAV.length,
    });
    expect(req?.keyterms).toEqual(expect.arrayContaining(["Launch", "seed"]));
  });

  it("takes Ogg/Opus as well, in the same session", async () => {
    deepgram.respondWith("what's open", 0.93);
    const r = await sendAudio(OGG, "audio/ogg; codecs=opus");
    expect(r.status).toBe(200);
    expect(r.body.response).toMatch(/call the bank/i);
    expect(deepgram.requests.at(-1)?.contentType).toBe("audio/ogg");
  });

  it("reads a doubtful transcript back and does nothing until the person says yes", async () => {
    const before = await hub.taskCount();
    deepgram.respondWith("add a task to call the plumber", 0.41);
    const ask = await sendAudio(WAV, "audio/wav", "audio-doubt");
    expect(ask.status).toBe(200);
    expect(ask.body).toMatchObject({ awaiting_confirmation: true, actions: [], confidence: 0.41 });
    expect(ask.body.response).toMatch(/I heard: add a task to call the plumber\. Should I go ahead\?/);
    expectSpeakable(ask.body.response);
    expect(await hub.taskCount()).toBe(before);

    const yes = await hub.call("/v1/voice/chat", { body: { message: "yes", session_id: "audio-doubt" } });
    expect(yes.body.actions[0].type).toBe("task.created");
    expect(await hub.taskCount()).toBe(before + 1);
  });

  it("a Deepgram failure is a clear 503 and nothing is done", async () => {
    const [tasks, handled] = [await hub.taskCount(), await processed()];
    deepgram.respondWith("add a task to sell the car", 0.99);
    deepgram.failNext(500, 2, "boom");
    const r = await sendAudio(WAV, "audio/wav", "audio-fail");
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("unavailable");
    expect(r.body.error.message).toMatch(/^Speech-to-text failed \(HTTP 500\): nothing was done/);
    expect(await hub.taskCount()).toBe(tasks);
    expect(await processed()).toBe(handled);
  });

  it("an empty transcript asks again without acting", async () => {
    deepgram.respondWith("", 0);
    const r = await sendAudio(WAV, "audio/wav", "audio-empty");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ transcript: "", actions: [], end_call: false });
    expect(r.body.response).toMatch(/couldn't make out any words/);
  });

  it("refuses a body over 10 MB with 413, and a non-audio type with 415", async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 1);
    const tooBig = await sendAudio(big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toMatchObject({
      code: "payload_too_large",
      message: expect.stringMatching(/audio is larger than the limit of 10 MB/),
    });
    for (const type of ["application/octet-stream", "application/json", "text/plain"]) {
      const r = await sendAudio(type === "application/json" ? "{}" : "abc", type);
      expect(r.status, type).toBe(415);
      expect(r.body.error.message).toMatch(/audio Content-Type/);
    }
    const empty = await sendAudio(new Uint8Array(0));
    expect(empty.status).toBe(400);
  });

  it("needs the token", async () => {
    const r = await hub.call("/v1/voice/audio", {
      token: null,
      raw: WAV,
      headers: { "content-type": "audio/wav" },
    });
    expect(r.status).toBe(401);
  });
});

describe("without DEEPGRAM_API_KEY", () => {
  it("answers 503 and says audio needs it", async () => {
    const plain = await startVoiceHub();
    try {
      const r = await plain.call("/v1/voice/audio", { raw: WAV, headers: { "content-type": "audio/wav" } });
      expect(r.status).toBe(503);
      expect(r.body.error.message).toMatch(/Audio needs speech-to-text: set DEEPGRAM_API_KEY/);
    } finally {
      await plain.close();
    }
  });
});
