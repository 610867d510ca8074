import type { FastifyInstance } from "fastify";
import { listTools, upsertTool } from "../../core/tools.ts";
import { actorOf } from "../auth.ts";
import type { RouteContext } from "../context.ts";
import { toolDto } from "../dto.ts";
import { defined } from "../query.ts";
import { errorResponses, listOf, toolSchema, wrap } from "../schemas.ts";

interface ToolBody {
  name: string;
  description?: string | null;
  input_schema?: Record<string, unknown>;
  enabled?: boolean;
}

export function registerToolRoutes(app: FastifyInstance, ctx: RouteContext) {
  app.get(
    "/tools",
    {
      schema: {
        tags: ["tools"],
        summary: "The tool registry",
        response: { 200: listOf("tools", toolSchema), ...errorResponses },
      },
    },
    async () => ({ tools: (await listTools(ctx.sql)).map(toolDto) }),
  );

  app.post<{ Body: ToolBody }>(
    "/tools",
    {
      schema: {
        tags: ["tools"],
        summary: "Add or change a tool by name",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["name"],
          properties: {
            name: { type: "string", minLength: 1, maxLength: 200 },
            description: { type: ["string", "null"], maxLength: 10_000 },
            input_schema: { type: "object", additionalProperties: true },
            enabled: { type: "boolean" },
          },
        },
        response: { 200: wrap("tool", toolSchema), ...errorResponses },
      },
    },
    async (request) => {
      const caller = ctx.auth.callerOf(request);
      const b = request.body;
      const tool = await upsertTool(
        ctx.sql,
        defined({
          name: b.name,
          description: b.description,
          inputSchema: b.input_schema,
          enabled: b.enabled,
        }),
        { actor: actorOf(caller) },
      );
      return { tool: toolDto(tool) };
    },
  );
}
