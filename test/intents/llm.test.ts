import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLlmParser, type LlmUsage, parseUtterance } from "../../intents/index.ts";
import { buildTools } from "../../intents/llm.ts";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai-llm.ts";

const now = new Date("2026-11-23T10:00:00Z");
// The rules cannot place this, so it goes to the model.
const VAGUE = "the thing with the logo should go to the designer person";

let fake: FakeOpenAi;
let usage: LlmUsage[];
let warnings: string[];

function parser(timeoutMs = 2000) {
  return createLlmParser({
    baseUrl: fake.baseUrl,
    apiKey: "test-key",
    model: "test/model",
    timeoutMs,
    recordUsage: (u) => {
      usage.push(u);
    },
    logger: { warn: (_obj, msg) => warnings.push(msg ?? "") },
  });
}

beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  usage = [];
  warnings = [];
  fake.requests.length = 0;
});

describe("createLlmParser", () => {
  it("keeps confident rules results without calling the model", async () => {
    const r = await parser().parse("mark 7 as done", { now });
    expect(r).toMatchObject({ intent: "task.complete", slots: { task: 7 }, source: "rules" });
    expect(fake.requests).toHaveLength(0);
  });

  it("resolves a low-confidence utterance with the model's tool call and reports usage", async () => {
    expect(parseUtterance(VAGUE, { now }).intent).toBe("unknown");
    fake.script({
      kind: "tool",
      name: "task_assign",
      arguments: { task: "logo", assignee: "designer" },
      usage: { prompt_tokens: 812, completion_tokens: 23, cost: 0.00042 },
    });
    const r = await parser().parse(VAGUE, { now, timeZone: "Europe/Paris", channel: "telegram" });
    expect(r).toMatchObject({
      intent: "task.assign",
      slots: { task: "logo", assignee: "designer" },
      source: "llm",
    });
    expect(usage).toEqual([
      { model: "test/model", promptTokens: 812, completionTokens: 23, costUsd: 0.00042 },
    ]);

    const req = fake.requests[0];
    expect(req?.path).toBe("/api/v1/chat/completions");
    expect(req?.headers.authorization).toBe("Bearer test-key");
    expect(req?.body.tool_choice).toBe("required");
    expect(req?.body.model).toBe("test/model");
    const tools = req?.body.tools as { function: { name: string } }[];
    expect(tools.map((t) => t.function.name)).toContain("task_create");
    const messages = req?.body.messages as { role: string; content: string }[];
    expect(messages[0]?.content).toContain("2026-11-23");
    expect(messages[1]?.content).toBe(VAGUE);
  });

  it("reports zero cost when the provider gives no cost", async () => {
    fake.script({
      kind: "tool",
      name: "briefing",
      arguments: "{}",
      usage: { prompt_tokens: 10, completion_tokens: 2 },
    });
    const r = await parser().parse("gimme the lowdown on everything pls", { now });
    expect(r).toMatchObject({ intent: "briefing", source: "llm" });
    expect(usage[0]?.costUsd).toBe(0);
  });

  it("coerces a task number sent as a string", async () => {
    fake.script({ kind: "tool", name: "task_complete", arguments: { task: "12" } });
    const r = await parser().parse(VAGUE, { now });
    expect(r).toMatchObject({ intent: "task.complete", slots: { task: 12 }, source: "llm" });
  });

  it("ignores null slots and invented keys in an otherwise valid call", async () => {
    fake.script({
      kind: "tool",
      name: "task_create",
      arguments: { title: "call Bob", due: null, mood: "happy" },
    });
    const r = await parser().parse(VAGUE, { now });
    expect(r).toMatchObject({ intent: "task.create", slots: { title: "call Bob" }, source: "llm" });
    expect(r.slots).toEqual({ title: "call Bob" });
  });

  it("rejects an invalid tool call; the rules' answer stands", async () => {
    fake.script({ kind: "tool", name: "task_update", arguments: { task: 7, priority: "extreme" } });
    const r = await parser().parse(VAGUE, { now });
    expect(r).toMatchObject({ intent: "unknown", source: "rules" });
    expect(usage).toHaveLength(1);
    expect(warnings.join(" ")).toContain("validation");
  });

  it("rejects a call missing a required slot or naming no catalog tool", async () => {
    fake.script(
      { kind: "tool", name: "task_assign", arguments: { task: 3 } },
      { kind: "tool", name: "launch_rockets", arguments: {} },
    );
    expect((await parser().parse(VAGUE, { now })).source).toBe("rules");
    expect((await parser().parse(VAGUE, { now })).source).toBe("rules");
  });

  it("keeps the rules' guess when the model says unknown", async () => {
    const text = "prepare the thing";
    const rules = parseUtterance(text, { now });
    expect(rules.intent).toBe("task.create");
    expect(rules.confidence).toBeLessThan(0.75);
    fake.script({ kind: "tool", name: "unknown", arguments: {} });
    const r = await parser().parse(text, { now });
    expect(r).toMatchObject({ intent: "task.create", source: "rules" });
  });

  it("falls back to the rules on HTTP 500, garbage JSON and bad tool arguments", async () => {
    fake.script(
      { kind: "status", status: 500 },
      { kind: "raw", body: "<html>oops" },
      { kind: "tool", name: "task_complete", arguments: "{not json" },
      { kind: "raw", body: JSON.stringify({ choices: [] }) },
    );
    for (let i = 0; i < 4; i++) {
      const r = await parser().parse(VAGUE, { now });
      expect(r).toMatchObject({ intent: "unknown", source: "rules" });
    }
    expect(fake.requests).toHaveLength(4);
    expect(warnings).toHaveLength(4);
  });

  it("falls back to the rules on timeout while the model never answers", async () => {
    fake.script({ kind: "hang" });
    const started = Date.now();
    const r = await parser(150).parse(VAGUE, { now });
    expect(r).toMatchObject({ intent: "unknown", source: "rules" });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(usage).toHaveLength(0);
    expect(warnings.join(" ")).toContain("request failed");
  });

  it("survives a throwing recordUsage", async () => {
    fake.script({ kind: "tool", name: "help", arguments: {} });
    const p = createLlmParser({
      baseUrl: fake.baseUrl,
      apiKey: "k",
      model: "m",
      timeoutMs: 2000,
      recordUsage: () => {
        throw new Error("db down");
      },
    });
    expect(await p.parse(VAGUE, { now })).toMatchObject({ intent: "help", source: "llm" });
  });
});

describe("buildTools", () => {
  it("has one tool per catalog intent with JSON Schema parameters", () => {
    const { tools } = buildTools();
    expect(tools).toHaveLength(25);
    const create = tools.find((t) => t.function.name === "task_create");
    expect(create?.function.parameters).toMatchObject({ type: "object", required: ["title"] });
    const params = (create?.function.parameters ?? {}) as {
      properties?: Record<string, { enum?: string[] }>;
    };
    expect(params.properties?.priority?.enum).toEqual(["low", "medium", "high", "critical"]);
  });
});
