import type { FastifyInstance, FastifyRequest } from "fastify";
import { HubError } from "../../errors.ts";
import type { RouteContext } from "../context.ts";
import type { ServiceHealth } from "../deps.ts";
import { errorResponses } from "../schemas.ts";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

async function databaseUp(ctx: RouteContext): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      ctx.sql.query("SELECT 1").then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), 2_000);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * /healthz: the process answers. /readyz: the database (503 when down), and redis and nats as
 * the hub reports them. /metrics: Prometheus text; open to loopback peers (no proxy header),
 * otherwise it needs the admin key.
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: RouteContext) {
  app.get(
    "/healthz",
    {
      schema: {
        tags: ["health"],
        security: [],
        response: { 200: { type: "object", properties: { status: { type: "string" } } } },
      },
    },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        tags: ["health"],
        security: [],
        response: {
          "2xx": {
            type: "object",
            properties: {
              status: { type: "string" },
              checks: { type: "object", additionalProperties: { type: "string" } },
            },
          },
          503: {
            type: "object",
            properties: {
              status: { type: "string" },
              checks: { type: "object", additionalProperties: { type: "string" } },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      const [db, others] = await Promise.all([
        databaseUp(ctx),
        ctx.health ? ctx.health().catch(() => ({}) as Record<string, ServiceHealth>) : Promise.resolve({}),
      ]);
      const checks: Record<string, ServiceHealth> = {
        redis: "embedded",
        nats: "embedded",
        ...others,
        database: db ? (ctx.sql.dialect === "pglite" ? "embedded" : "up") : "down",
      };
      reply.code(db ? 200 : 503);
      return { status: db ? "ready" : "not_ready", checks };
    },
  );

  const metricsAllowed = async (request: FastifyRequest) => {
    if (ctx.options.metricsOpenOnLoopback && LOOPBACK.has(request.socket.remoteAddress ?? "")) {
      if (request.headers["x-forwarded-for"] === undefined && request.headers.forwarded === undefined) return;
    }
    const caller = await ctx.auth.authenticate(request.headers.authorization);
    if (caller.kind !== "admin") throw new HubError("forbidden", "/metrics needs the admin key");
  };

  app.get(
    "/metrics",
    {
      schema: { tags: ["health"], response: { 200: { type: "string" }, ...errorResponses } },
    },
    async (request, reply) => {
      await metricsAllowed(request);
      const text = await ctx.metrics.registry.metrics();
      reply.type(ctx.metrics.registry.contentType);
      return text;
    },
  );
}
