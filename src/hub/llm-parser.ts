import { createLlmParser, parseUtterance } from "../../intents/index.ts";
import { DEFAULT_LLM_THRESHOLD } from "../../intents/llm.ts";
import type { Config } from "../config.ts";
import type { Parser } from "../conversation/parser.ts";
import { emitEvent } from "../core/events.ts";
import { recordModelUsage, spentOn } from "../core/model-usage.ts";
import type { Sql } from "../db/sql.ts";
import type { Logger } from "../logger.ts";

const COS = { kind: "system", name: "cos" } as const;

/**
 * The parser the dispatcher uses: rules alone, or rules then the configured model for what the
 * rules can't place. Model spend is recorded in model_usage; with LLM_DAILY_BUDGET_USD set the
 * Chief of Staff warns at 80% of the day's budget and stops calling the model at 100% (the
 * rules keep working).
 */
export function createHubParser(deps: {
  sql: Sql;
  config: Pick<Config, "llm">;
  logger: Logger;
  now?: () => Date;
}): Parser {
  const { sql, config } = deps;
  const log = deps.logger.child({ component: "parser" });
  const rules: Parser = { parse: async (text, opts) => parseUtterance(text, opts) };
  if (!config.llm.enabled || !config.llm.apiKey || !config.llm.model) {
    log.info("no LLM configured (LLM_API_KEY and LLM_MODEL): intents come from the rules alone");
    return rules;
  }
  const model = config.llm.model;
  const llm = createLlmParser({
    baseUrl: config.llm.baseUrl,
    apiKey: config.llm.apiKey,
    model,
    timeoutMs: config.llm.timeoutMs,
    logger: log,
    recordUsage: async (u) => {
      await recordModelUsage(sql, {
        agentName: "cos",
        provider: new URL(config.llm.baseUrl).hostname,
        model: u.model,
        promptTokens: u.promptTokens,
        completionTokens: u.completionTokens,
        costUsd: u.costUsd,
      });
    },
  });
  const budget = config.llm.dailyBudgetUsd;
  const clock = deps.now ?? (() => new Date());
  // One warning and one stop notice per UTC day, across restarts: the events say if sent.
  const announced = new Map<string, Set<string>>();

  async function announce(kind: "budget_warning" | "budget_exhausted", day: string, spent: number) {
    const seen = announced.get(day) ?? new Set<string>();
    announced.set(day, seen);
    if (seen.has(kind)) return;
    seen.add(kind);
    const exists = await sql.query("SELECT 1 FROM events WHERE event_type = $1 AND entity_id = $2 LIMIT 1", [
      `llm.${kind}`,
      day,
    ]);
    if (exists.rowCount > 0) return;
    await emitEvent(sql, {
      type: `llm.${kind}`,
      entityType: "budget",
      entityId: day,
      actor: COS,
      payload: { day, spentUsd: Number(spent.toFixed(4)), budgetUsd: budget },
    });
    log.warn(
      { day, spent, budget },
      kind === "budget_warning"
        ? "LLM spend passed 80% of the daily budget"
        : "LLM daily budget used up: rules only until tomorrow",
    );
  }

  return {
    async parse(text, opts) {
      // What the rules place with confidence never reaches the model: no budget look-up either.
      const ruled = parseUtterance(text, opts);
      if (ruled.intent !== "unknown" && ruled.confidence >= DEFAULT_LLM_THRESHOLD) return ruled;
      if (budget !== undefined) {
        const day = clock().toISOString().slice(0, 10);
        const spent = await spentOn(sql, day);
        if (spent >= budget) {
          await announce("budget_exhausted", day, spent);
          return ruled;
        }
        if (spent >= 0.8 * budget) await announce("budget_warning", day, spent);
      }
      return llm.parse(text, opts);
    },
  };
}
