import type { FastifyInstance, FastifyReply } from "fastify";
import { type ClaimRequest, claimTask, extendLease } from "../../core/task-leases.ts";
import { HubError, isHubError } from "../../errors.ts";
import type { Caller } from "../auth.ts";
import type { RouteContext } from "../context.ts";
import { claimedTaskDto, taskDto } from "../dto.ts";
import { jsonArray, jsonObject, sendJson } from "../json-text.ts";
import { asHolder } from "../ownership.ts";
import { defined } from "../query.ts";
import {
  AGENT_NAME,
  capabilityList,
  claimedTaskSchema,
  claimToken,
  errorResponses,
  listOf,
  taskRefParams,
  taskSchema,
  wrap,
} from "../schemas.ts";

interface ClaimBody {
  limit?: number;
  capabilities?: string[];
  projects?: string[];
  wait?: number;
  agent?: string;
}

export const MAX_WAIT_SECONDS = 30;

/** The agent a claim is for: the caller, or for the admin the `agent` it names. */
function claimant(caller: Caller, agent: string | undefined): string {
  if (caller.kind === "agent") {
    if (agent !== undefined && agent !== caller.name) {
      throw new HubError("forbidden", `You are ${caller.name}: an agent claims only for itself`);
    }
    return caller.name;
  }
  if (agent === undefined)
    throw new HubError("validation", "body.agent is required when claiming with the admin key");
  return agent;
}

/** An AbortSignal that fires when the client hangs up or the app starts closing. */
function requestGone(reply: FastifyReply, closing: AbortSignal) {
  const ac = new AbortController();
  const abort = () => ac.abort();
  const onClose = () => {
    if (!reply.raw.writableEnded) abort();
  };
  reply.raw.once("close", onClose);
  closing.addEventListener("abort", abort, { once: true });
  if (closing.aborted) abort();
  return {
    signal: ac.signal,
    dispose() {
      reply.raw.off("close", onClose);
      closing.removeEventListener("abort", abort);
    },
  };
}

export function registerTaskClaimRoutes(app: FastifyInstance, ctx: RouteContext) {
  /**
   * Long poll: claim now; when nothing is there and `wait` > 0, sleep until the database says a
   * task became pending (LISTEN, fanned out in-process), re-checking every few seconds as a
   * safety net, until the wait ends, the client hangs up, or the server closes.
   */
  async function claimWaiting(
    agent: string,
    opts: Omit<ClaimRequest, "agent">,
    waitMs: number,
    reply: FastifyReply,
  ) {
    if (waitMs <= 0) return ctx.tasks.claimNext(agent, opts);
    const deadline = Date.now() + waitMs;
    const gone = requestGone(reply, ctx.closing);
    const waiter = ctx.taskReady.register(agent);
    try {
      for (;;) {
        waiter.reset();
        if (gone.signal.aborted) return [];
        const tasks = await ctx.tasks.claimNext(agent, opts);
        if (tasks.length > 0) return tasks;
        const left = deadline - Date.now();
        if (left <= 0) return [];
        if (!waiter.notified) await waiter.wait(Math.min(left, ctx.options.claimRecheckMs), gone.signal);
      }
    } finally {
      waiter.dispose();
      gone.dispose();
    }
  }

  app.post<{ Body: ClaimBody }>(
    "/tasks/claim",
    {
      schema: {
        tags: ["claims"],
        summary: "Claim the next tasks for the calling agent, optionally waiting for work",
        body: {
          type: "object",
          additionalProperties: false,
          properties: {
            limit: { type: "integer", minimum: 1, maximum: 100 },
            capabilities: capabilityList,
            projects: {
              type: "array",
              maxItems: 50,
              items: { type: "string", minLength: 1, maxLength: 200 },
            },
            wait: {
              type: "number",
              minimum: 0,
              maximum: MAX_WAIT_SECONDS,
              description: `seconds to wait for work, up to ${MAX_WAIT_SECONDS}`,
            },
            agent: { ...AGENT_NAME, description: "admin key only: the agent to claim for" },
          },
        },
        response: { 200: listOf("tasks", claimedTaskSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = ctx.auth.callerOf(request);
      const b = request.body ?? {};
      const agent = claimant(caller, b.agent);
      const opts = defined({ limit: b.limit ?? 1, capabilities: b.capabilities, projects: b.projects });
      const tasks = await claimWaiting(agent, opts, Math.round((b.wait ?? 0) * 1000), reply);
      if (tasks.length > 0) ctx.metrics.claims.inc({ mode: "next" }, tasks.length);
      return sendJson(reply, jsonObject({ tasks: jsonArray(tasks) }));
    },
  );

  app.post<{ Params: { id: string }; Body: { agent?: string } }>(
    "/tasks/:id/claim",
    {
      schema: {
        tags: ["claims"],
        summary: "Claim one pending task",
        params: taskRefParams,
        body: {
          type: "object",
          additionalProperties: false,
          properties: { agent: { ...AGENT_NAME, description: "admin key only: the agent to claim for" } },
        },
        response: { 200: wrap("task", claimedTaskSchema), ...errorResponses },
      },
    },
    async (request) => {
      const caller = ctx.auth.callerOf(request);
      const agent = claimant(caller, request.body?.agent);
      const task = await claimTask(ctx.sql, request.params.id, agent, ctx.settings).catch((e: unknown) => {
        // Someone else's task: assigned to another agent.
        const assigned = isHubError(e, "conflict") ? e.details?.assignedTo : undefined;
        if (typeof assigned === "string" && assigned !== agent) {
          throw new HubError("forbidden", `${(e as HubError).message} Only ${assigned} may claim it.`, {
            details: (e as HubError).details ?? {},
          });
        }
        throw e;
      });
      ctx.metrics.claims.inc({ mode: "one" });
      return { task: claimedTaskDto(task) };
    },
  );

  app.post<{ Params: { id: string }; Body: { claim_token: string } }>(
    "/tasks/:id/heartbeat",
    {
      schema: {
        tags: ["claims"],
        summary: "Extend the lease on a task the agent holds",
        params: taskRefParams,
        body: {
          type: "object",
          additionalProperties: false,
          required: ["claim_token"],
          properties: { claim_token: claimToken },
        },
        response: { 200: wrap("task", taskSchema), ...errorResponses },
      },
    },
    async (request) => {
      const caller = ctx.auth.callerOf(request);
      if (caller.kind !== "agent")
        throw new HubError("forbidden", "Only the agent holding a task extends its lease");
      const task = await asHolder(ctx, caller, () =>
        extendLease(ctx.sql, request.params.id, caller.name, request.body.claim_token, ctx.settings),
      );
      return { task: taskDto(task) };
    },
  );
}
