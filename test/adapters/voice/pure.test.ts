import { describe, expect, it } from "vitest";
import { isFarewell } from "../../../adapters/voice/end-call.ts";
import { createNotificationQueue } from "../../../adapters/voice/notification-queue.ts";
import { readCompletionRequest } from "../../../adapters/voice/openai-request.ts";
import { restOfStream, splitForStream } from "../../../adapters/voice/openai-response.ts";
import { guardSpeech } from "../../../adapters/voice/speech-guard.ts";
import { sayAndGather, sayAndHangUp } from "../../../adapters/voice/twiml.ts";
import { expectSpeakable } from "./harness.ts";

const opts = {
  headerSession: undefined,
  now: new Date("2026-11-24T10:00:00Z"),
  hashedSessionMs: 30 * 60_000,
};

describe("guardSpeech", () => {
  it("strips markdown, lists, links, ids and emoji", () => {
    const s = guardSpeech(
      "**Done!** 🎉 See https://hub.example.com/tasks/12 or example.com/x\n- task `12`: ship it\n- id 3f2b8c1e-9a7d-4e2f-8b1a-0c9d8e7f6a5b, key aoh_abcdefghijklmnopqrstu\n# Next",
    );
    expect(s).not.toMatch(/[*`#🎉]|https?:|3f2b8c1e|aoh_/u);
    expect(s).toContain("a link");
    expectSpeakable(s);
  });

  it("keeps at most three questions and 75 words", () => {
    const s = guardSpeech("One? Two? Three? Four? Fine.");
    expect(s).toBe("One? Two? Three? Fine.");
    const long = guardSpeech(Array.from({ length: 40 }, (_, i) => `Sentence number ${i} here.`).join(" "));
    expect(long.split(/\s+/).length).toBeLessThanOrEqual(75);
    expect(long.endsWith(".")).toBe(true);
  });

  it("gives nothing for nothing", () => {
    expect(guardSpeech("  **  ")).toBe("");
  });
});

describe("isFarewell", () => {
  it.each([
    "bye",
    "Goodbye!",
    "ok that's all thanks",
    "no that's it thank you bye",
    "um I'm done for now",
    "talk to you later",
    "thanks, have a good one",
  ])("%s ends the call", (t) => expect(isFarewell(t)).toBe(true));

  it.each(["add a task to say goodbye to Bob", "thanks", "what's open", "no", "cancel it bye", ""])(
    "%s does not",
    (t) => expect(isFarewell(t)).toBe(false),
  );
});

describe("readCompletionRequest", () => {
  const msgs = [
    { role: "system", content: "be brief" },
    { role: "user", content: "what's open" },
    { role: "assistant", content: "two tasks" },
    {
      role: "user",
      content: [{ type: "text", text: "brief" }, { type: "image_url" }, { type: "text", text: "me" }],
    },
  ];

  it("takes the session from call.id, then X-Session-ID, then user, then metadata, else a hash", () => {
    const all = { messages: msgs, call: { id: "c1" }, user: "u1", metadata: { session_id: "m1" } };
    expect(readCompletionRequest(all, { ...opts, headerSession: "h1" }).session).toBe("c1");
    expect(readCompletionRequest({ ...all, call: undefined }, { ...opts, headerSession: "h1" }).session).toBe(
      "h1",
    );
    expect(readCompletionRequest({ ...all, call: undefined }, opts).session).toBe("u1");
    expect(readCompletionRequest({ messages: msgs, metadata: { session_id: "m1" } }, opts).session).toBe(
      "m1",
    );
    const hashed = readCompletionRequest({ messages: msgs }, opts);
    expect(hashed.sessionSource).toBe("hash");
    // the same call, one turn later: the same session
    expect(readCompletionRequest({ messages: [...msgs, { role: "user", content: "x" }] }, opts).session).toBe(
      hashed.session,
    );
  });

  it("reads the last user message, content parts joined, and ids each turn", () => {
    const t = readCompletionRequest(
      { messages: msgs, user: "u", stream: true, stream_options: { include_usage: true } },
      opts,
    );
    expect(t).toMatchObject({ text: "brief me", stream: true, includeUsage: true });
    const again = readCompletionRequest({ messages: msgs, user: "u" }, opts);
    expect(again.messageId).toBe(t.messageId);
    const laterSameWords = readCompletionRequest(
      {
        messages: [...msgs, { role: "assistant", content: "ok" }, { role: "user", content: "brief me" }],
        user: "u",
      },
      opts,
    );
    expect(laterSameWords.messageId).not.toBe(t.messageId);
  });

  it("tells turns apart when the platform trims the history to a window", () => {
    const window = (n: number) =>
      [
        { role: "user", content: `turn ${n}` },
        { role: "assistant", content: `answer ${n}` },
        { role: "user", content: "what's open" },
      ] as const;
    const a = readCompletionRequest({ messages: window(1), user: "u" }, opts);
    const b = readCompletionRequest({ messages: window(2), user: "u" }, opts);
    expect(a.messageId).not.toBe(b.messageId);
  });

  it("finds Vapi's caller number and ignores what it does not know", () => {
    const t = readCompletionRequest(
      {
        messages: msgs,
        tools: [],
        temperature: 1,
        customer: { number: "+1 555 000 1111" },
        call: { id: "x" },
      },
      opts,
    );
    expect(t.callerNumber).toBe("+1 555 000 1111");
    expect(
      readCompletionRequest({ messages: [{ role: "system", content: "hi" }] }, opts).text,
    ).toBeUndefined();
  });

  it("refuses what is not a chat request", () => {
    expect(() => readCompletionRequest({ messages: [] }, opts)).toThrow(/non-empty array/);
    expect(() => readCompletionRequest("hi", opts)).toThrow(/JSON object/);
    expect(() => readCompletionRequest({ messages: ["hi"] }, opts)).toThrow(/object/);
  });
});

describe("streaming shapes", () => {
  it("splits an answer into sentences, then stop and usage", () => {
    expect(splitForStream("Done. Task 3 is open? Yes!")).toEqual(["Done. ", "Task 3 is open? ", "Yes!"]);
    expect(splitForStream("no end")).toEqual(["no end"]);
    const turn = {
      speech: "One. Two.",
      actions: [],
      awaitingConfirmation: false,
      endCall: false,
      intent: "x",
    };
    const meta = { id: "chatcmpl-1", model: "m", created: 1 };
    const rest = restOfStream(turn, meta, { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }) as {
      choices: { delta: unknown; finish_reason: string | null }[];
    }[];
    expect(rest.map((c) => (c.choices[0] ? c.choices[0].finish_reason : "usage"))).toEqual([
      null,
      null,
      "stop",
      "usage",
    ]);
  });
});

describe("TwiML", () => {
  it("escapes what it says", () => {
    expect(sayAndGather("Tom & Jerry <3", "/g?turn=1&quiet=1")).toContain("<Say>Tom &amp; Jerry &lt;3</Say>");
    expect(sayAndHangUp("Bye.")).toMatch(/<Say>Bye\.<\/Say><Hangup\/><\/Response>$/);
  });
});

describe("notifications for a voice session", () => {
  it("keeps the last few and gives back what fits", () => {
    let now = 0;
    const q = createNotificationQueue({ perSession: 2, ttlMs: 1_000, now: () => now });
    q.push("s", { text: "one **done**" });
    q.push("s", { text: "two done" });
    q.push("s", { text: "three done" });
    expect(q.size("s")).toBe(2);
    expect(q.take("s", 2)).toEqual(["Two done"]);
    now = 2_000;
    expect(q.take("s", 50)).toEqual([]);
  });
});
