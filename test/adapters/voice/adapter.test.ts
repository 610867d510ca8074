import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVoiceAdapter } from "../../../adapters/voice/adapter.ts";
import type { Dispatcher } from "../../../src/channels/types.ts";
import { startVoiceHub, VOICE_TOKEN, type VoiceHub, voiceConfig } from "./harness.ts";

const lines: string[] = [];
const logger = pino({ level: "debug" }, { write: (s: string) => void lines.push(s) });
let hub: VoiceHub;

beforeAll(async () => {
  hub = await startVoiceHub({ logger });
});
afterAll(async () => {
  await hub?.close();
});

describe("the voice adapter", () => {
  it("speaks notifications kept by send() at the start of the session's next turn", async () => {
    await hub.adapter.send("s-news", {
      text: "**Seed** finished task 12, write the report.",
      speech: "Seed finished task 12.",
    });
    const r = await hub.call("/v1/voice/chat", { body: { message: "what's open", session_id: "s-news" } });
    expect(r.body.response).toMatch(/^Quick update\. Seed finished task 12\. /);
    const next = await hub.call("/v1/voice/chat", { body: { message: "what's open", session_id: "s-news" } });
    expect(next.body.response).not.toMatch(/Seed finished/);
  });

  it("never logs the token", async () => {
    await hub.call("/v1/voice/chat", { token: "a-wrong-token-that-must-not-leak", body: { message: "hi" } });
    await hub.call("/v1/voice/chat", { body: { message: "hi" } });
    const all = lines.join("");
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(VOICE_TOKEN);
    expect(all).not.toContain("a-wrong-token-that-must-not-leak");
  });

  it("start and stop are safe twice; a stopped adapter takes nothing", async () => {
    const calls: string[] = [];
    const dispatcher: Dispatcher = {
      async handle(u) {
        calls.push(u.text);
        return {
          text: "ok",
          speech: "ok",
          buttons: [],
          actions: [],
          intent: "help",
          awaitingConfirmation: false,
          silent: false,
        };
      },
    };
    const adapter = createVoiceAdapter(voiceConfig(), { sql: hub.db.sql, logger });
    const signal = new AbortController().signal;
    await adapter.start({ dispatcher, logger, signal });
    await adapter.start({ dispatcher, logger, signal });
    expect(adapter.status()).toMatchObject({ state: "running", token: true, audio: false, twilio: true });
    await Promise.all([adapter.stop(), adapter.stop()]);
    await adapter.stop();
    expect(adapter.status().state).toBe("stopped");
    await expect(adapter.start({ dispatcher, logger, signal })).rejects.toThrow(/stopped/);
    await adapter.send("s", { text: "dropped after stop" });
    expect(calls).toEqual([]);
  });

  it("after stop the routes answer 503 and nothing reaches the dispatcher", async () => {
    await hub.adapter.stop();
    const r = await hub.call("/v1/voice/chat", { body: { message: "add a task to do nothing" } });
    expect(r.status).toBe(503);
    expect(r.body.error.message).toMatch(/not started/);
    const s = await hub.call("/v1/chat/completions", {
      body: { stream: true, messages: [{ role: "user", content: "what's open" }] },
    });
    expect(s.status).toBe(503);
  });
});
