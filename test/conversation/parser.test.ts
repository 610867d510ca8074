import { afterAll, beforeAll, expect, it } from "vitest";
import { createLlmParser, type ParseOptions } from "../../intents/index.ts";
import { createRulesParser, type Parser } from "../../src/conversation/parser.ts";
import { getPreferences } from "../../src/conversation/preferences.ts";
import { pruneProcessedMessages } from "../../src/conversation/processed.ts";
import { createHarness, type Harness } from "./harness.ts";

const seen: { text: string; opts: ParseOptions }[] = [];
const rules = createRulesParser();
const recording: Parser = {
  parse(text, opts) {
    seen.push({ text, opts });
    return rules.parse(text, opts);
  },
};

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ parser: recording });
});
afterAll(async () => {
  await h.db.drop();
});

it("the LLM parser fits the dispatcher's Parser", () => {
  const llm: Parser = createLlmParser({
    baseUrl: "http://127.0.0.1:9",
    apiKey: "k",
    model: "m",
    timeoutMs: 100,
  });
  expect(typeof llm.parse).toBe("function");
});

it("passes the channel, the time zone and the clock to the parser; presets skip it", async () => {
  await h.say("Invoice from ACME [Website]", {
    channel: "email",
    sender: "ana@example.com",
    conversation: "t1",
  });
  expect(seen.at(-1)?.opts).toMatchObject({ channel: "email", timeZone: "Europe/Paris" });
  expect(seen.at(-1)?.opts.now).toBeInstanceOf(Date);
  const count = seen.length;
  await h.say("", { preset: { intent: "task.list", slots: {} } });
  expect(seen.length).toBe(count);
});

it("follows the person to the channel they last used, but a terminal chat does not take over", async () => {
  await h.say("what's open", { channel: "telegram" });
  expect((await getPreferences(h.db.sql)).channel).toBe("telegram");
  await h.say("what's open", { channel: "terminal", sender: "owner", conversation: "local" });
  expect((await getPreferences(h.db.sql)).channel).toBe("telegram");
  await h.say("what's open", { channel: "discord", sender: "200", conversation: "dm-200" });
  expect((await getPreferences(h.db.sql)).channel).toBe("discord");
});

it("prunes old handled messages", async () => {
  await h.db.sql.query("UPDATE processed_messages SET handled_at = now() - interval '40 days'");
  expect(await pruneProcessedMessages(h.db.sql, 30)).toBeGreaterThan(0);
});
