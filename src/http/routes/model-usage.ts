import type { FastifyInstance } from "fastify";
import { recordModelUsage, summarizeModelUsage } from "../../core/model-usage.ts";
import { HubError } from "../../errors.ts";
import { actorOf, scopeOf } from "../auth.ts";
import type { RouteContext } from "../context.ts";
import { modelUsageDto, usageSummaryDto } from "../dto.ts";
import { defined } from "../query.ts";
import {
  AGENT_NAME,
  errorResponses,
  idempotencyHeaders,
  modelUsageSchema,
  taskRefBody,
  usageSummarySchema,
  wrap,
} from "../schemas.ts";

interface UsageBody {
  agent?: string;
  task?: string | number;
  provider?: string;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
}

const dateTime = {
  type: "string",
  format: "date-time",
  description: "a date-time like 2025-06-01T00:00:00Z",
} as const;

export function registerModelUsageRoutes(app: FastifyInstance, ctx: RouteContext) {
  app.post<{ Body: UsageBody }>(
    "/model-usage",
    {
      schema: {
        tags: ["model usage"],
        summary: "Record one model call's tokens and cost",
        headers: idempotencyHeaders,
        body: {
          type: "object",
          additionalProperties: false,
          required: ["model", "prompt_tokens", "completion_tokens", "cost_usd"],
          properties: {
            agent: { ...AGENT_NAME, description: "defaults to the calling agent" },
            task: taskRefBody,
            provider: { type: "string", maxLength: 100 },
            model: { type: "string", minLength: 1, maxLength: 200 },
            prompt_tokens: { type: "integer", minimum: 0, maximum: 2_000_000_000 },
            completion_tokens: { type: "integer", minimum: 0, maximum: 2_000_000_000 },
            cost_usd: { type: "number", minimum: 0, maximum: 100_000_000 },
          },
        },
        response: { 201: wrap("usage", modelUsageSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = ctx.auth.callerOf(request);
      const b = request.body;
      if (caller.kind === "agent" && b.agent !== undefined && b.agent !== caller.name) {
        throw new HubError("forbidden", `You are ${caller.name}: an agent records only its own usage`);
      }
      const agentName = caller.kind === "agent" ? caller.name : b.agent;
      return ctx.idempotency.run(request, reply, scopeOf(caller), 201, async (sql) => ({
        usage: modelUsageDto(
          await recordModelUsage(
            sql,
            defined({
              agentName,
              taskRef: b.task,
              provider: b.provider,
              model: b.model,
              promptTokens: b.prompt_tokens,
              completionTokens: b.completion_tokens,
              costUsd: b.cost_usd,
            }),
            { actor: actorOf(caller) },
          ),
        ),
      }));
    },
  );

  app.get<{ Querystring: { since?: string; until?: string } }>(
    "/model-usage/summary",
    {
      schema: {
        tags: ["model usage"],
        summary: "Tokens and cost: total, by agent, by model, by day",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { since: dateTime, until: dateTime },
        },
        response: { 200: wrap("summary", usageSummarySchema), ...errorResponses },
      },
    },
    async (request) => ({
      summary: usageSummaryDto(
        await summarizeModelUsage(
          ctx.sql,
          defined({ since: request.query.since, until: request.query.until }),
        ),
      ),
    }),
  );
}
