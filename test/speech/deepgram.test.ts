import { readFileSync } from "node:fs";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isHubError } from "../../src/errors.ts";
import { createDeepgramTranscriber, MAX_KEYTERMS } from "../../src/speech/deepgram.ts";
import { type FakeDeepgram, startFakeDeepgram } from "../fakes/deepgram.ts";

const VOICE_NOTE = new Uint8Array(readFileSync(new URL("../fixtures/audio/voice-note.ogg", import.meta.url)));
let deepgram: FakeDeepgram;
const lines: string[] = [];
const logger = pino({ level: "debug" }, { write: (s: string) => lines.push(s) });

beforeAll(async () => {
  deepgram = await startFakeDeepgram();
});
afterAll(async () => {
  await deepgram.close();
  expect(lines.join("")).not.toContain(deepgram.apiKey);
});

const transcriber = (apiKey = deepgram.apiKey) =>
  createDeepgramTranscriber({ apiKey, baseUrl: deepgram.baseUrl, logger, maxRetries: 0 });

describe("deepgram transcriber", () => {
  it("posts the audio to /v1/listen with nova-3, smart_format and key terms, and returns transcript and confidence", async () => {
    deepgram.respondWith("Mark task 12 as done.", 0.91);
    const t = await transcriber().transcribe(VOICE_NOTE, {
      mimeType: "audio/ogg",
      keyterms: ["Launch", " Website  Redesign ", "launch", "", "seed"],
    });
    expect(t).toEqual({ transcript: "Mark task 12 as done.", confidence: 0.91 });
    expect(deepgram.requests.at(-1)).toMatchObject({
      authorization: `Token ${deepgram.apiKey}`,
      contentType: "audio/ogg",
      model: "nova-3",
      smartFormat: "true",
      keyterms: ["Launch", "Website Redesign", "seed"],
      bytes: VOICE_NOTE.byteLength,
    });
  });

  it("sends no keyterm without key terms, and at most MAX_KEYTERMS", async () => {
    await transcriber().transcribe(VOICE_NOTE, { mimeType: "audio/ogg" });
    expect(deepgram.requests.at(-1)?.query.keyterm).toBeUndefined();
    const many = Array.from({ length: MAX_KEYTERMS + 20 }, (_, i) => `Project ${i}`);
    await transcriber().transcribe(VOICE_NOTE, { mimeType: "audio/ogg", keyterms: many });
    expect(deepgram.requests.at(-1)?.keyterms).toHaveLength(MAX_KEYTERMS);
  });

  it("a wrong key is an 'unavailable' HubError naming the status, never the key", async () => {
    const err = await transcriber("wrong-key-abcdef0123456789")
      .transcribe(VOICE_NOTE, { mimeType: "audio/ogg" })
      .catch((e: unknown) => e);
    expect(isHubError(err, "unavailable")).toBe(true);
    expect((err as Error).message).toBe("Speech-to-text failed (HTTP 401).");
    expect(JSON.stringify((err as { details?: unknown }).details)).not.toContain("wrong-key");
  });

  it("a server error is an 'unavailable' HubError; empty audio is refused before any request", async () => {
    deepgram.failNext(503);
    await expect(transcriber().transcribe(VOICE_NOTE, { mimeType: "audio/ogg" })).rejects.toMatchObject({
      code: "unavailable",
      details: { provider: "deepgram", status: 503 },
    });
    const before = deepgram.requests.length;
    await expect(transcriber().transcribe(new Uint8Array(), { mimeType: "audio/ogg" })).rejects.toMatchObject(
      {
        code: "validation",
      },
    );
    expect(deepgram.requests.length).toBe(before);
  });

  it("an aborted transcription stops", async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(
      transcriber().transcribe(VOICE_NOTE, { mimeType: "audio/ogg", signal: ctl.signal }),
    ).rejects.toBeDefined();
  });

  it("the fake refuses what real Deepgram would: not Ogg data under audio/ogg", async () => {
    await expect(
      transcriber().transcribe(new Uint8Array([1, 2, 3, 4, 5]), { mimeType: "audio/ogg" }),
    ).rejects.toMatchObject({ code: "unavailable", details: { status: 400 } });
  });
});
