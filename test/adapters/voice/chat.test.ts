import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectSpeakable, startVoiceHub, VOICE_TOKEN, type VoiceHub } from "./harness.ts";

let hub: VoiceHub;

beforeAll(async () => {
  hub = await startVoiceHub();
});
afterAll(async () => {
  await hub?.close();
});

const chat = (message: string, extra: Record<string, unknown> = {}) =>
  hub.call("/v1/voice/chat", { body: { message, ...extra } });

describe("POST /v1/voice/chat", () => {
  it("confirms across two calls of one session: cancel task N, then yes", async () => {
    const made = await chat("um so add a task to book the dentist", { session_id: "s-confirm" });
    expect(made.status).toBe(200);
    expect(made.body.session_id).toBe("s-confirm");
    expect(made.body.actions).toEqual([
      { type: "task.created", id: expect.stringMatching(/^\d+$/), summary: expect.any(String) },
    ]);
    const n = Number(made.body.actions[0].id);

    const ask = await chat(`cancel task ${n}`, { session_id: "s-confirm" });
    expect(ask.body).toMatchObject({ awaiting_confirmation: true, end_call: false, actions: [] });
    expectSpeakable(ask.body.response);
    expect((await hub.task(n))?.status).toBe("pending");

    // Another session's yes answers nothing.
    const elsewhere = await chat("yes", { session_id: "s-other" });
    expect(elsewhere.body.actions).toEqual([]);
    expect((await hub.task(n))?.status).toBe("pending");

    const yes = await chat("yeah go ahead", { session_id: "s-confirm" });
    expect(yes.body.awaiting_confirmation).toBe(false);
    expect(yes.body.actions).toEqual([
      { type: "task.cancelled", id: String(n), summary: expect.any(String) },
    ]);
    expect((await hub.task(n))?.status).toBe("cancelled");
    expectSpeakable(yes.body.response);
  });

  it("makes a session id when none is given, and answers in the /chat alias too", async () => {
    const r = await hub.call("/chat", { body: { message: "what's open" } });
    expect(r.status).toBe(200);
    expect(r.body.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(r.body).sort()).toEqual([
      "actions",
      "awaiting_confirmation",
      "end_call",
      "response",
      "session_id",
    ]);
    expectSpeakable(r.body.response);
  });

  it("ends the call on a goodbye, and only then", async () => {
    for (const bye of [
      "ok that's all thanks bye",
      "Goodbye!",
      "no that's it, thank you",
      "um I'm done for now",
    ]) {
      const r = await chat(bye, { session_id: "s-bye" });
      expect(r.body, bye).toMatchObject({ end_call: true, actions: [] });
      expectSpeakable(r.body.response);
    }
    const before = await hub.taskCount();
    const notBye = await chat("add a task to say goodbye to Bob", { session_id: "s-bye" });
    expect(notBye.body.end_call).toBe(false);
    expect(await hub.taskCount()).toBe(before + 1);
  });

  it("a retry with the same message_id acts once", async () => {
    const before = await hub.taskCount();
    const a = await chat("add a task to buy stamps", { session_id: "s-retry", message_id: "m-1" });
    const b = await chat("add a task to buy stamps", { session_id: "s-retry", message_id: "m-1" });
    expect(b.body.response).toBe(a.body.response);
    expect(await hub.taskCount()).toBe(before + 1);
  });

  it("speaks every answer: short, no markdown, no ids", async () => {
    await chat("start a project called Website Redesign", { session_id: "s-speak" });
    for (const m of ["help", "list my projects", "brief me", "who is working", "what's open", "blah blah"]) {
      const r = await chat(m, { session_id: "s-speak" });
      expect(r.status).toBe(200);
      expectSpeakable(r.body.response);
    }
  });

  it("says what is wrong with a bad body", async () => {
    const none = await chat("   ");
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(/`message` is required/);
    const notJson = await hub.call("/v1/voice/chat", {
      raw: "hello",
      headers: { "content-type": "text/plain" },
    });
    expect(notJson.status).toBe(400);
    const huge = await chat("x".repeat(1_100_000));
    expect(huge.status).toBe(413);
    expect(huge.body.error.message).toMatch(/larger than the limit/);
  });

  it("needs the token: 401 without it or with a wrong one; X-Vapi-Secret works too", async () => {
    const none = await hub.call("/v1/voice/chat", { token: null, body: { message: "what's open" } });
    expect(none.status).toBe(401);
    expect(none.body.error).toEqual({
      code: "unauthorized",
      message: expect.stringMatching(/voice token is required/),
    });
    const wrong = await hub.call("/v1/voice/chat", { token: "nope", body: { message: "what's open" } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toBe("The voice token is wrong");
    const vapi = await hub.call("/v1/voice/chat", {
      token: null,
      headers: { "x-vapi-secret": VOICE_TOKEN },
      body: { message: "what's open" },
    });
    expect(vapi.status).toBe(200);
  });
});

describe("configuration", () => {
  it("without VOICE_TOKEN the token routes answer 503 and say why", async () => {
    const off = await startVoiceHub({
      config: { voice: { token: undefined, minConfidence: 0.6, twilioAuthToken: undefined } },
    });
    try {
      for (const [path, body] of [
        ["/v1/voice/chat", { message: "hi" }],
        ["/v1/chat/completions", { messages: [{ role: "user", content: "hi" }] }],
        ["/v1/models", undefined],
      ] as const) {
        const r = await off.call(path, { body });
        expect(r.status, path).toBe(503);
        expect(r.body.error.message).toBe("voice is not configured (VOICE_TOKEN)");
      }
    } finally {
      await off.close();
    }
  });

  it("a token-authenticated request speaks for the owner even with no OWNER_PHONES", async () => {
    const noPhones = await startVoiceHub({ config: { owner: { phones: [] } } });
    try {
      const r = await noPhones.call("/v1/voice/chat", { body: { message: "add a task to call mum" } });
      expect(r.status).toBe(200);
      expect(r.body.actions.map((a: { type: string }) => a.type)).toEqual(["task.created"]);
    } finally {
      await noPhones.close();
    }
  });

  it("slows down token guessing: 429 after too many wrong tokens from one address", async () => {
    const guarded = await startVoiceHub({ tuning: { authFailuresPerMinute: 3 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push((await guarded.call("/v1/models", { token: `guess-${i}` })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect((await guarded.call("/v1/models")).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
