import type { FastifyInstance } from "fastify";
import { getAgent, heartbeatAgent, listAgents, registerAgent } from "../../core/agents.ts";
import { createApiKey } from "../../core/api-keys.ts";
import type { AgentStatus, AgentType } from "../../core/types.ts";
import { HubError } from "../../errors.ts";
import { actorOf, type Caller, scopeOf } from "../auth.ts";
import type { RouteContext } from "../context.ts";
import { agentDto } from "../dto.ts";
import { requireAdmin } from "../guard.ts";
import { defined } from "../query.ts";
import {
  AGENT_NAME,
  agentNameParams,
  agentSchema,
  capabilityList,
  errorResponses,
  idempotencyHeaders,
  listOf,
  nullableTaskRefBody,
  wrap,
} from "../schemas.ts";

const AGENT_TYPES = ["chief_of_staff", "worker", "specialist"] as const;
const AGENT_STATUSES = ["idle", "busy", "offline", "error"] as const;

interface RegisterBody {
  name: string;
  type?: AgentType;
  capabilities?: string[];
  description?: string | null;
}

interface HeartbeatBody {
  status?: AgentStatus;
  current_task?: string | number | null;
  capabilities?: string[];
}

function assertSelf(caller: Caller, name: string) {
  if (caller.kind === "agent" && caller.name !== name) {
    throw new HubError(
      "forbidden",
      `You are ${caller.name}: an agent sends heartbeats only for itself, not ${name}`,
    );
  }
}

export function registerAgentRoutes(app: FastifyInstance, ctx: RouteContext) {
  app.post<{ Body: RegisterBody }>(
    "/agents/register",
    {
      schema: {
        tags: ["agents"],
        summary: "Register an agent and issue its API key (admin only; the key is shown once)",
        headers: idempotencyHeaders,
        body: {
          type: "object",
          additionalProperties: false,
          required: ["name"],
          properties: {
            name: AGENT_NAME,
            type: { type: "string", enum: [...AGENT_TYPES] },
            capabilities: capabilityList,
            description: { type: ["string", "null"], maxLength: 2_000 },
          },
        },
        response: {
          201: { type: "object", properties: { agent: agentSchema, api_key: { type: "string" } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const caller = ctx.auth.callerOf(request);
      requireAdmin(caller, "register agents");
      const b = request.body;
      return ctx.idempotency.run(request, reply, scopeOf(caller), 201, async (sql) => {
        const r = await registerAgent(
          sql,
          defined({ name: b.name, type: b.type, capabilities: b.capabilities, description: b.description }),
          { actor: actorOf(caller) },
          { issueKey: true },
        );
        return { agent: agentDto(r.agent), api_key: r.apiKey ?? "" };
      });
    },
  );

  app.post<{ Params: { name: string }; Body: { label?: string } }>(
    "/agents/:name/keys",
    {
      schema: {
        tags: ["agents"],
        summary: "Issue another API key for an existing agent (admin only; the key is shown once)",
        params: agentNameParams,
        headers: idempotencyHeaders,
        body: {
          type: "object",
          additionalProperties: false,
          properties: { label: { type: "string", minLength: 1, maxLength: 200 } },
        },
        response: {
          201: { type: "object", properties: { id: { type: "string" }, api_key: { type: "string" } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const caller = ctx.auth.callerOf(request);
      requireAdmin(caller, "issue API keys");
      const name = request.params.name;
      return ctx.idempotency.run(request, reply, scopeOf(caller), 201, async (sql) => {
        await getAgent(sql, name);
        const k = await createApiKey(sql, { agentName: name }, defined({ label: request.body?.label }));
        return { id: k.id, api_key: k.key };
      });
    },
  );

  app.post<{ Params: { name: string }; Body: HeartbeatBody }>(
    "/agents/:name/heartbeat",
    {
      schema: {
        tags: ["agents"],
        summary: "The agent is alive: status, current task, capabilities; extends its leases",
        params: agentNameParams,
        body: {
          type: "object",
          additionalProperties: false,
          properties: {
            status: { type: "string", enum: ["idle", "busy", "error"] },
            current_task: nullableTaskRefBody("a task UUID or number, or null"),
            capabilities: capabilityList,
          },
        },
        response: { 200: wrap("agent", agentSchema), ...errorResponses },
      },
    },
    async (request) => {
      const caller = ctx.auth.callerOf(request);
      const name = request.params.name;
      assertSelf(caller, name);
      const b = request.body ?? {};
      const agent = await heartbeatAgent(
        ctx.sql,
        name,
        defined({ status: b.status, currentTask: b.current_task, capabilities: b.capabilities }),
        ctx.settings,
      );
      return { agent: agentDto(agent) };
    },
  );

  app.get<{ Querystring: { status?: AgentStatus } }>(
    "/agents",
    {
      schema: {
        tags: ["agents"],
        summary: "All agents",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { status: { type: "string", enum: [...AGENT_STATUSES] } },
        },
        response: { 200: listOf("agents", agentSchema), ...errorResponses },
      },
    },
    async (request) => ({
      agents: (await listAgents(ctx.sql, defined({ status: request.query.status }))).map(agentDto),
    }),
  );

  app.get<{ Params: { name: string } }>(
    "/agents/:name",
    {
      schema: {
        tags: ["agents"],
        summary: "One agent",
        params: agentNameParams,
        response: { 200: wrap("agent", agentSchema), ...errorResponses },
      },
    },
    async (request) => ({ agent: agentDto(await getAgent(ctx.sql, request.params.name)) }),
  );
}
