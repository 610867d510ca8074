import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../helpers/wait.ts";
import { expectSpeakable, gate, startVoiceHub, VOICE_TOKEN, type VoiceHub } from "./harness.ts";

let hub: VoiceHub;
let g: ReturnType<typeof gate>;
let client: OpenAI;

beforeAll(async () => {
  hub = await startVoiceHub({
    wrap: (d) => {
      g = gate(d);
      return g.dispatcher;
    },
  });
  client = new OpenAI({ apiKey: VOICE_TOKEN, baseURL: `${hub.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await hub?.close();
});

const taskNumberIn = (s: string) => Number(/task (\d+)/i.exec(s)?.[1]);

/** The server-sent events of a streamed completion, as parsed JSON (and "[DONE]"). */
async function rawStream(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${hub.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${VOICE_TOKEN}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ stream: true, ...(body as object) }),
  });
  const text = await res.text();
  const events = text
    .split("\n\n")
    .filter((e) => e.startsWith("data: "))
    .map((e) => e.slice(6))
    // biome-ignore lint/suspicious/noExplicitAny: chunks are inspected loosely
    .map((d): any => (d === "[DONE]" ? d : JSON.parse(d)));
  return { res, events };
}

describe("the OpenAI-compatible endpoint, with the official client", () => {
  it("lists one model", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["agentops-cos"]);
  });

  it("creates a task from voice phrasing, then lists it, non-streaming then streaming", async () => {
    const created = await client.chat.completions.create({
      model: "agentops-cos",
      messages: [
        { role: "system", content: "You are a helpful assistant." },
        { role: "user", content: "um add a task to call the bank tomorrow" },
      ],
      user: "openai-session-1",
    });
    const said = created.choices[0]?.message.content ?? "";
    expect(created.object).toBe("chat.completion");
    expect(created.choices[0]?.finish_reason).toBe("stop");
    expect(said).toMatch(/I've added task \d+, call the bank, due tomorrow/i);
    expectSpeakable(said);
    const n = taskNumberIn(said);
    const row = await hub.task(n);
    expect(row?.title).toBe("call the bank");
    expect(row?.due_at).not.toBeNull();

    const stream = await client.chat.completions.create({
      model: "agentops-cos",
      messages: [
        { role: "system", content: "You are a helpful assistant." },
        { role: "user", content: "um add a task to call the bank tomorrow" },
        { role: "assistant", content: said },
        { role: "user", content: "uh what's still open" },
      ],
      user: "openai-session-1",
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = "";
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined | null;
    let roles = 0;
    for await (const c of stream) {
      if (c.choices[0]?.delta.role === "assistant") roles++;
      content += c.choices[0]?.delta.content ?? "";
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) usage = c.usage;
    }
    expect(roles).toBe(1);
    expect(finish).toBe("stop");
    expect(usage?.total_tokens).toBeGreaterThan(0);
    expect(content).toMatch(/call the bank/i);
    expectSpeakable(content);
  });

  it("sends the role chunk before the dispatcher has answered", async () => {
    g.hold();
    try {
      const res = await fetch(`${hub.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${VOICE_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          stream: true,
          user: "held",
          messages: [{ role: "user", content: "brief me" }],
        }),
      });
      expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const reader = res.body?.getReader();
      if (!reader) throw new Error("no body");
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toMatch(/^data: /);
      expect(JSON.parse(first.slice(6).trim()).choices[0].delta.role).toBe("assistant");
      await waitFor(() => g.waiting() === 1, { what: "the turn waiting in the dispatcher" });
      g.release();
      let rest = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        rest += new TextDecoder().decode(value);
      }
      expect(rest.trimEnd().endsWith("data: [DONE]")).toBe(true);
      expect(rest).toContain('"finish_reason":"stop"');
    } finally {
      g.release();
    }
  });

  it("streams role, content, stop, usage, then [DONE], in that order", async () => {
    const { res, events } = await rawStream(
      { messages: [{ role: "user", content: "what can you do" }], stream_options: { include_usage: true } },
      { "x-session-id": "raw-1" },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-session-id")).toBe("raw-1");
    const chunks = events.filter((e) => e !== "[DONE]");
    expect(events.at(-1)).toBe("[DONE]");
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    const stopAt = chunks.findIndex((c) => c.choices[0]?.finish_reason === "stop");
    expect(stopAt).toBeGreaterThan(1);
    expect(chunks.slice(1, stopAt).every((c) => typeof c.choices[0].delta.content === "string")).toBe(true);
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.at(-1).usage.total_tokens).toBeGreaterThan(0);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
  });

  it("takes what Vapi sends: call.id as the session, content parts, unknown fields", async () => {
    const before = await hub.taskCount();
    const vapi = (messages: unknown[]) => ({
      model: "agentops-cos",
      messages,
      temperature: 0.3,
      max_tokens: 250,
      tools: [{ type: "function", function: { name: "endCall", parameters: { type: "object" } } }],
      call: { id: "vapi-call-42", orgId: "org", type: "webCall" },
      metadata: { anything: true },
      phoneNumber: null,
    });
    const first = [
      { role: "developer", content: "Be brief." },
      { role: "assistant", content: "Hi, what can I do?" },
      { role: "user", content: [{ type: "text", text: "add a task to renew the passport" }] },
    ];
    const made = await client.chat.completions.create(vapi(first) as never);
    const said = (made as OpenAI.ChatCompletion).choices[0]?.message.content ?? "";
    const n = taskNumberIn(said);
    expect((await hub.task(n))?.title).toBe("renew the passport");

    const second = [
      ...first,
      { role: "assistant", content: said },
      { role: "user", content: `cancel task ${n}` },
    ];
    const ask = (await client.chat.completions.create(vapi(second) as never)) as OpenAI.ChatCompletion;
    expect(ask.choices[0]?.message.content).toMatch(/\?/);
    expect((await hub.task(n))?.status).toBe("pending");
    const third = [
      ...second,
      { role: "assistant", content: ask.choices[0]?.message.content },
      { role: "user", content: "yes" },
    ];
    const done = (await client.chat.completions.create(vapi(third) as never)) as OpenAI.ChatCompletion;
    expect(done.choices[0]?.message.content).toMatch(/cancelled task/i);
    expect((await hub.task(n))?.status).toBe("cancelled");
    expect(await hub.taskCount()).toBe(before + 1);
  });

  it("a platform retry of a turn acts once and answers the same; the same words later act again", async () => {
    const before = await hub.taskCount();
    const turn1 = [{ role: "user", content: "add a task to water the plants" }];
    const ask = () =>
      client.chat.completions.create({ model: "x", messages: turn1 as never, user: "retry-session" });
    const [a, b] = await Promise.all([ask(), ask()]);
    const c = await ask();
    const said = a.choices[0]?.message.content;
    expect(said).toMatch(/added task/);
    expect(b.choices[0]?.message.content).toBe(said);
    expect(c.choices[0]?.message.content).toBe(said);
    expect(await hub.taskCount()).toBe(before + 1);

    const later = [
      ...turn1,
      { role: "assistant", content: said },
      { role: "user", content: "what's open" },
      { role: "assistant", content: "..." },
      { role: "user", content: "add a task to water the plants" },
    ];
    await client.chat.completions.create({ model: "x", messages: later as never, user: "retry-session" });
    expect(await hub.taskCount()).toBe(before + 2);
  });

  it("greets when the platform asks before the person said anything", async () => {
    const r = await client.chat.completions.create({
      model: "agentops-cos",
      messages: [{ role: "system", content: "You are the Chief of Staff." }],
    });
    expect(r.choices[0]?.message.content).toMatch(/What can I do for you\?/);
  });

  it("a Vapi phone call from a stranger's number is not served, even with the token", async () => {
    const before = await hub.taskCount();
    const r = (await client.chat.completions.create({
      model: "agentops-cos",
      messages: [{ role: "user", content: "add a task to wire the money" }],
      call: { id: "vapi-stranger" },
      customer: { number: "+15550001111" },
    } as never)) as OpenAI.ChatCompletion;
    expect(r.choices[0]?.message.content).toMatch(/only take requests from my owner/);
    expect(await hub.taskCount()).toBe(before);
  });

  it("refuses a missing or wrong token with a clear 401", async () => {
    const wrong = new OpenAI({ apiKey: "not-the-token", baseURL: `${hub.url}/v1`, maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
    const r = await hub.call("/v1/chat/completions", {
      token: null,
      body: { messages: [{ role: "user", content: "what's open" }] },
    });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("unauthorized");
    expect(r.body.error.message).toMatch(/Authorization: Bearer <VOICE_TOKEN>/);
  });

  it("answers 400 to a body that is not a chat request, on every alias", async () => {
    for (const path of ["/v1/chat/completions", "/chat/completions", "/openai/v1/chat/completions"]) {
      const r = await hub.call(path, { body: { messages: "hello" } });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/messages/);
    }
  });
});
