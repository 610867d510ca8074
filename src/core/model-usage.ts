import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { inTransaction } from "./db-errors.ts";
import { type ModelUsageRow, modelUsageFromRow, type UsageTotalsRow, usageTotalsFromRow } from "./rows.ts";
import { loadTaskRow } from "./task-queries.ts";
import type { ModelUsage, OpOptions, TaskRef, UsageSummary } from "./types.ts";
import { optionalText, parseDate, requireInt, requireNumber, requireText } from "./validate.ts";

export interface NewModelUsage {
  agentName?: string;
  taskRef?: TaskRef;
  provider?: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/**
 * One LLM call's tokens and cost. No event: calls are frequent, and budgets read the table.
 * `op` is accepted for symmetry with other mutations; its `now` backdates the row (imports).
 */
export async function recordModelUsage(sql: Sql, input: NewModelUsage, op?: OpOptions): Promise<ModelUsage> {
  const model = requireText("model", input.model, 200);
  const provider = optionalText("provider", input.provider, 100);
  const agentName = optionalText("agentName", input.agentName, 100);
  const prompt = requireInt("promptTokens", input.promptTokens, 0, 2_000_000_000);
  const completion = requireInt("completionTokens", input.completionTokens, 0, 2_000_000_000);
  const cost = requireNumber("costUsd", input.costUsd, 0);
  return inTransaction(sql, async (tx) => {
    const taskId = input.taskRef === undefined ? null : (await loadTaskRow(tx, input.taskRef)).id;
    const r = await tx.query<ModelUsageRow>(
      `INSERT INTO model_usage (agent_name, task_id, provider, model, prompt_tokens, completion_tokens, cost_usd, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8::timestamptz, now())) RETURNING *`,
      [agentName, taskId, provider, model, prompt, completion, cost, op?.now ?? null],
    );
    return modelUsageFromRow(r.rows[0] as ModelUsageRow);
  });
}

const TOTALS = `count(*) AS calls, coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
  coalesce(sum(completion_tokens), 0) AS completion_tokens, coalesce(sum(cost_usd), 0) AS cost_usd`;
const RANGE =
  "($1::timestamptz IS NULL OR created_at >= $1) AND ($2::timestamptz IS NULL OR created_at < $2)";

/** Totals over [since, until), overall and by agent, model and UTC day. */
export async function summarizeModelUsage(
  sql: Sql,
  range: { since?: Date | string; until?: Date | string } = {},
): Promise<UsageSummary> {
  const since = range.since === undefined ? null : parseDate("since", range.since);
  const until = range.until === undefined ? null : parseDate("until", range.until);
  const p = [since, until];
  const [total, byAgent, byModel, byDay] = await Promise.all([
    sql.query<UsageTotalsRow>(`SELECT ${TOTALS} FROM model_usage WHERE ${RANGE}`, p),
    sql.query<UsageTotalsRow & { agent_name: string | null }>(
      `SELECT agent_name, ${TOTALS} FROM model_usage WHERE ${RANGE} GROUP BY agent_name ORDER BY sum(cost_usd) DESC, agent_name`,
      p,
    ),
    sql.query<UsageTotalsRow & { model: string }>(
      `SELECT model, ${TOTALS} FROM model_usage WHERE ${RANGE} GROUP BY model ORDER BY sum(cost_usd) DESC, model`,
      p,
    ),
    sql.query<UsageTotalsRow & { day: string }>(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, ${TOTALS}
       FROM model_usage WHERE ${RANGE} GROUP BY 1 ORDER BY 1`,
      p,
    ),
  ]);
  return {
    total: usageTotalsFromRow(total.rows[0]),
    byAgent: byAgent.rows.map((r) => ({ agentName: r.agent_name, ...usageTotalsFromRow(r) })),
    byModel: byModel.rows.map((r) => ({ model: r.model, ...usageTotalsFromRow(r) })),
    byDay: byDay.rows.map((r) => ({ day: r.day, ...usageTotalsFromRow(r) })),
  };
}

/** Dollars spent on the given UTC day ("2025-06-01" or any Date within it): the daily budget check. */
export async function spentOn(sql: Sql, day: Date | string): Promise<number> {
  const d = typeof day === "string" && /^\d{4}-\d\d-\d\d$/.test(day) ? day : isoDay(day);
  const r = await sql.query<{ cost: unknown }>(
    `SELECT coalesce(sum(cost_usd), 0) AS cost FROM model_usage
     WHERE created_at >= ($1::date)::timestamp AT TIME ZONE 'UTC'
       AND created_at < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'`,
    [d],
  );
  return Number(r.rows[0]?.cost ?? 0);
}

function isoDay(day: Date | string): string {
  const d = parseDate("day", day);
  if (!d) throw new HubError("validation", "day must be a date like 2025-06-01.");
  return d.toISOString().slice(0, 10);
}
