import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { listEvents } from "../../src/core/events.ts";
import { recordModelUsage } from "../../src/core/model-usage.ts";
import { composeNotification, worthTelling } from "../../src/cos/notification-format.ts";
import { createHubParser } from "../../src/hub/llm-parser.ts";
import { createLogger } from "../../src/logger.ts";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai-llm.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";

const VAGUE = "the thing with the logo should go to the designer person";

describe("the daily LLM budget", () => {
  let db: TestDb;
  let fake: FakeOpenAi;
  beforeAll(async () => {
    [db, fake] = await Promise.all([createTestDatabase(), startFakeOpenAi()]);
  });
  afterAll(async () => {
    await Promise.all([db?.drop(), fake?.close()]);
  });

  it("records spend, warns once at 80%, and stops calling the model at 100% while the rules keep working", async () => {
    const config = loadConfig(
      { LLM_BASE_URL: fake.baseUrl, LLM_API_KEY: "k", LLM_MODEL: "m", LLM_DAILY_BUDGET_USD: "1" },
      { dotenv: false },
    );
    const parser = createHubParser({ sql: db.sql, config, logger: createLogger({ level: "silent" }) });
    fake.script({
      kind: "tool",
      name: "task_assign",
      arguments: { task: "logo", assignee: "designer" },
      usage: { prompt_tokens: 800, completion_tokens: 20, cost: 0.05 },
    });

    const first = await parser.parse(VAGUE, {});
    expect(first.intent).toBe("task.assign");
    const spent = await db.sql.query<{ cost: string }>("SELECT sum(cost_usd)::text AS cost FROM model_usage");
    expect(Number(spent.rows[0]?.cost)).toBeCloseTo(0.05);

    // Most of the day's budget is gone: the next call warns (once) and still uses the model.
    await recordModelUsage(db.sql, { model: "m", promptTokens: 0, completionTokens: 0, costUsd: 0.8 });
    await parser.parse(VAGUE, {});
    await parser.parse(VAGUE, {});
    expect(fake.requests.length).toBe(3);
    const warnings = await listEvents(db.sql, { types: ["llm.budget_warning"] });
    expect(warnings).toHaveLength(1);
    const warning = warnings[0];
    if (!warning) throw new Error("no warning");
    expect(worthTelling(warning, "important")).toBe(true);
    expect(composeNotification([warning]).text).toMatch(/model budget/);

    // Over the budget: no more model calls; the rules answer, and the person is told once.
    await recordModelUsage(db.sql, { model: "m", promptTokens: 0, completionTokens: 0, costUsd: 0.5 });
    const ruled = await parser.parse("add a task to renew the domain", {});
    expect(ruled.intent).toBe("task.create");
    await parser.parse(VAGUE, {});
    expect(fake.requests.length).toBe(3);
    expect(await listEvents(db.sql, { types: ["llm.budget_exhausted"] })).toHaveLength(1);
  });
});
