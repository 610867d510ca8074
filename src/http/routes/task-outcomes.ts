import type { FastifyInstance } from "fastify";
import { NOTHING, type RowView } from "../../core/row-view.ts";
import type { ClaimOutcome } from "../../core/task-leases.ts";
import {
  blockTask,
  completeTasksAs,
  completeTasksThenClaimAs,
  failTask,
} from "../../core/task-transitions.ts";
import { HubError } from "../../errors.ts";
import { actorOf } from "../auth.ts";
import type { RouteContext } from "../context.ts";
import { taskDto } from "../dto.ts";
import { claimedTaskJson, taskDtoJson, taskJson } from "../dto-sql.ts";
import { type JsonText, jsonArray, jsonObject, sendJson } from "../json-text.ts";
import { asHolder } from "../ownership.ts";
import { defined } from "../query.ts";
import {
  capabilityList,
  claimedTaskSchema,
  claimToken,
  errorResponses,
  taskRefBody,
  taskRefParams,
  taskSchema,
  wrap,
} from "../schemas.ts";

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
  next?: { limit?: number; capabilities?: string[]; projects?: string[] };
}

// `next` on a completion: claim the agent's next work in the same round trip, as
// POST /v1/tasks/claim would (without waiting).
const nextClaim = {
  type: "object",
  additionalProperties: false,
  description: "agents only: claim the next tasks in the same request, as POST /v1/tasks/claim does",
  properties: {
    limit: { type: "integer", minimum: 1, maximum: 100 },
    capabilities: capabilityList,
    projects: { type: "array", maxItems: 50, items: { type: "string", minLength: 1, maxLength: 200 } },
  },
} as const;

interface BatchBody {
  tasks: Array<{ id: string | number; claim_token?: string; result?: unknown }>;
  next?: NextClaim;
}

type NextClaim = NonNullable<OutcomeBody["next"]>;

const nextResponse = {
  next_tasks: { type: "array", items: claimedTaskSchema },
  // the completions stand even when claiming the next failed
  next_error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } } },
} as const;

const claimRequest = (next: NextClaim) => defined({ limit: next.limit ?? 1, ...next });

/** The answer's `next_tasks` (and `next_error`), from the caller's claim after its completions. */
function nextFields(
  ctx: RouteContext,
  outcome: ClaimOutcome<JsonText>,
): Record<string, JsonText | { value: unknown }> {
  if ("error" in outcome) {
    const { code, message } = outcome.error;
    return { next_tasks: jsonArray([]), next_error: { value: { code, message } } };
  }
  if (outcome.tasks.length > 0) ctx.metrics.claims.inc({ mode: "next" }, outcome.tasks.length);
  return { next_tasks: jsonArray(outcome.tasks) };
}

const agentsOnly = (caller: { kind: string }, next: unknown) => {
  if (next !== undefined && caller.kind !== "agent") {
    throw new HubError("validation", "body.next is for agents: it claims for the caller");
  }
};

const token = (b: OutcomeBody) => (b.claim_token === undefined ? {} : { claimToken: b.claim_token });

export function registerTaskOutcomeRoutes(app: FastifyInstance, ctx: RouteContext) {
  const one = (
    path: string,
    field: "result" | "error" | "reason",
    summary: string,
    more: { body?: Record<string, object>; response?: Record<string, object> } = {},
  ) => {
    const body = outcomeBody(field);
    const ok = wrap("task", taskSchema);
    return {
      path,
      options: {
        schema: {
          tags: ["claims"],
          summary,
          params: taskRefParams,
          body: { ...body, properties: { ...body.properties, ...more.body } },
          response: { 200: { ...ok, properties: { ...ok.properties, ...more.response } }, ...errorResponses },
        },
      },
    };
  };

  const complete = one("/tasks/:id/complete", "result", "Complete a task the agent holds", {
    body: { next: nextClaim },
    response: nextResponse,
  });
  app.post<{ Params: { id: string }; Body: OutcomeBody }>(
    complete.path,
    complete.options,
    async (request, reply) => {
      const caller = ctx.auth.callerOf(request);
      const b = request.body ?? {};
      agentsOnly(caller, b.next);
      const input = { ...token(b), result: b.result ?? null };
      const op = { actor: actorOf(caller) };
      const next = b.next;
      if (next === undefined) {
        const task = await asHolder(ctx, caller, () => ctx.tasks.completeTask(request.params.id, input, op));
        ctx.metrics.completions.inc({ outcome: "completed" });
        return sendJson(reply, jsonObject({ task }));
      }
      const done = await asHolder(ctx, caller, () =>
        ctx.tasks.completeThenClaim(request.params.id, input, op, claimRequest(next)),
      );
      ctx.metrics.completions.inc({ outcome: "completed" });
      return sendJson(reply, jsonObject({ task: done.task, ...nextFields(ctx, done.next) }));
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
        description:
          "With `Prefer: return=minimal` each result carries only `id` and `ok` (or `error`), not the task. " +
          "With `next`, an agent claims its next tasks in the same request, after the completions.",
        headers: {
          type: "object",
          properties: { prefer: { type: "string", description: "`return=minimal`: leave the tasks out" } },
        },
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
            next: nextClaim,
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
              ...nextResponse,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const caller = ctx.auth.callerOf(request);
      agentsOnly(caller, request.body.next);
      const items = request.body.tasks.map((t) => ({
        ref: t.id,
        ...(t.claim_token === undefined ? {} : { claimToken: t.claim_token }),
        result: t.result ?? null,
      }));
      const op = { actor: actorOf(caller) };
      // RFC 7240: an agent that only needs each item's outcome skips the tasks' echo.
      const minimal = prefersMinimal(request.headers.prefer);
      const view: RowView<JsonText | undefined> = minimal ? NOTHING : taskJson;
      const fromTask = minimal ? () => undefined : taskDtoJson;
      const next = request.body.next;
      const { results, claimed } =
        next === undefined
          ? { results: await completeTasksAs(ctx.sql, items, op, view, fromTask), claimed: undefined }
          : await completeTasksThenClaimAs(
              ctx.sql,
              items,
              op,
              { ...claimRequest(next), agent: caller.name },
              ctx.settings,
              { done: view, claimed: claimedTaskJson },
              fromTask,
            ).then((r) => ({ results: r.results, claimed: r.next }));
      if (minimal) reply.header("preference-applied", "return=minimal");
      let done = 0;
      const out = results.map((r) => {
        if (r.ok) {
          done += 1;
          const ok = { id: { value: r.ref }, ok: { value: true } };
          return jsonObject(r.task === undefined ? ok : { ...ok, task: r.task });
        }
        return JSON.stringify({ id: r.ref, ok: false, error: r.error }) as JsonText;
      });
      if (done > 0) ctx.metrics.completions.inc({ outcome: "completed" }, done);
      const nextTasks = claimed === undefined ? {} : nextFields(ctx, claimed);
      return sendJson(reply, jsonObject({ results: jsonArray(out), ...nextTasks }));
    },
  );
}

/** `Prefer: return=minimal` (RFC 7240), among other preferences or alone. */
const prefersMinimal = (prefer: string | string[] | undefined) =>
  [prefer ?? []]
    .flat()
    .some((h) => h.split(",").some((p) => p.split(";")[0]?.trim().toLowerCase() === "return=minimal"));
