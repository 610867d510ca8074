import type { FastifyInstance } from "fastify";
import { blockTask, completeTasks, failTask } from "../../core/task-transitions.ts";
import { actorOf } from "../auth.ts";
import type { RouteContext } from "../context.ts";
import { taskDto } from "../dto.ts";
import { asHolder } from "../ownership.ts";
import { claimToken, errorResponses, taskRefBody, taskRefParams, taskSchema, wrap } from "../schemas.ts";

const MAX_BATCH = 500;

const outcomeBody = (field: "result" | "error" | "reason") => ({
  type: "object",
  additionalProperties: false,
  required: field === "result" ? [] : [field],
  properties: {
    claim_token: { ...claimToken, description: "required for agents; the admin acts without one" },
    [field]: field === "result" ? {} : { type: "string", minLength: 1, maxLength: 10_000 },
  },
});

interface OutcomeBody {
  claim_token?: string;
  result?: unknown;
  error?: string;
  reason?: string;
}

interface BatchBody {
  tasks: Array<{ id: string | number; claim_token?: string; result?: unknown }>;
}

const token = (b: OutcomeBody) => (b.claim_token === undefined ? {} : { claimToken: b.claim_token });

export function registerTaskOutcomeRoutes(app: FastifyInstance, ctx: RouteContext) {
  const one = (path: string, field: "result" | "error" | "reason", summary: string) => ({
    path,
    options: {
      schema: {
        tags: ["claims"],
        summary,
        params: taskRefParams,
        body: outcomeBody(field),
        response: { 200: wrap("task", taskSchema), ...errorResponses },
      },
    },
  });

  const complete = one("/tasks/:id/complete", "result", "Complete a task the agent holds");
  app.post<{ Params: { id: string }; Body: OutcomeBody }>(
    complete.path,
    complete.options,
    async (request) => {
      const caller = ctx.auth.callerOf(request);
      const b = request.body ?? {};
      const task = await asHolder(ctx, caller, () =>
        ctx.tasks.completeTask(
          request.params.id,
          { ...token(b), result: b.result ?? null },
          { actor: actorOf(caller) },
        ),
      );
      ctx.metrics.completions.inc({ outcome: "completed" });
      return { task: taskDto(task) };
    },
  );

  const fail = one("/tasks/:id/fail", "error", "Fail a task the agent holds");
  app.post<{ Params: { id: string }; Body: OutcomeBody }>(fail.path, fail.options, async (request) => {
    const caller = ctx.auth.callerOf(request);
    const b = request.body;
    const { task } = await asHolder(ctx, caller, () =>
      failTask(ctx.sql, request.params.id, { ...token(b), error: b.error ?? "" }, { actor: actorOf(caller) }),
    );
    ctx.metrics.completions.inc({ outcome: "failed" });
    return { task: taskDto(task) };
  });

  const block = one("/tasks/:id/block", "reason", "Block a task the agent holds, with the reason");
  app.post<{ Params: { id: string }; Body: OutcomeBody }>(block.path, block.options, async (request) => {
    const caller = ctx.auth.callerOf(request);
    const b = request.body;
    const { task } = await asHolder(ctx, caller, () =>
      blockTask(
        ctx.sql,
        request.params.id,
        { ...token(b), reason: b.reason ?? "" },
        { actor: actorOf(caller) },
      ),
    );
    ctx.metrics.completions.inc({ outcome: "blocked" });
    return { task: taskDto(task) };
  });

  app.post<{ Body: BatchBody }>(
    "/tasks/complete",
    {
      schema: {
        tags: ["claims"],
        summary: "Complete many tasks in one request; each item succeeds or fails on its own",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["tasks"],
          properties: {
            tasks: {
              type: "array",
              minItems: 1,
              maxItems: MAX_BATCH,
              items: {
                type: "object",
                additionalProperties: false,
                required: ["id"],
                properties: {
                  id: taskRefBody,
                  claim_token: claimToken,
                  result: {},
                },
              },
            },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              results: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    id: { anyOf: [{ type: "string" }, { type: "integer" }] },
                    ok: { type: "boolean" },
                    task: taskSchema,
                    error: {
                      type: "object",
                      properties: { code: { type: "string" }, message: { type: "string" } },
                    },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = ctx.auth.callerOf(request);
      const results = await completeTasks(
        ctx.sql,
        request.body.tasks.map((t) => ({
          ref: t.id,
          ...(t.claim_token === undefined ? {} : { claimToken: t.claim_token }),
          result: t.result ?? null,
        })),
        { actor: actorOf(caller) },
      );
      let done = 0;
      const out = results.map((r) => {
        if (r.ok) {
          done += 1;
          return { id: r.ref, ok: true, task: taskDto(r.task) };
        }
        return { id: r.ref, ok: false, error: r.error };
      });
      if (done > 0) ctx.metrics.completions.inc({ outcome: "completed" }, done);
      return { results: out };
    },
  );
}
