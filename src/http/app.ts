import { randomUUID } from "node:crypto";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import { createAuthenticator } from "./auth.ts";
import { createConnectionDrain } from "./connection-drain.ts";
import type { RouteContext } from "./context.ts";
import type { HttpDeps } from "./deps.ts";
import { installErrorHandling } from "./errors.ts";
import { createIdempotencyStore } from "./idempotency.ts";
import { createHttpMetrics } from "./metrics.ts";
import { registerRoutes } from "./routes/index.ts";
import { createTaskBatcher } from "./task-batcher.ts";
import { createTaskReadySignal } from "./task-ready.ts";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The REST API as a fastify instance that is not listening yet: the hub wiring mounts channel
 * adapters' routes on it and calls listen. Closing it ends long polls and event streams.
 */
export function createHttpApp(deps: HttpDeps): FastifyInstance {
  const { sql, config, logger } = deps;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    // Requests are logged at debug by the onResponse hook below (one line, never headers).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => {
      const h = req.headers["x-request-id"];
      return typeof h === "string" && REQUEST_ID.test(h) ? h : randomUUID();
    },
    // Bodies are taken as sent: "5" is not a number, unknown fields are errors. Query strings
    // are declared as strings and parsed by the routes.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, verbose: true, allErrors: false } },
    return503OnClosing: true,
  }) as unknown as FastifyInstance;

  const closingController = new AbortController();
  const taskReady = createTaskReadySignal(sql, logger);
  const settings = {
    leaseSeconds: config.leaseSeconds,
    maxAttempts: config.maxAttempts,
    agentOfflineSeconds: config.agentOfflineSeconds,
  };
  const ctx: RouteContext = {
    sql,
    config,
    settings,
    logger,
    bus: deps.bus,
    rateLimiter: deps.rateLimiter,
    auth: createAuthenticator({
      sql,
      adminKey: config.adminKey,
      ...(deps.options?.authCacheMs === undefined ? {} : { cacheMs: deps.options.authCacheMs }),
    }),
    idempotency: createIdempotencyStore(sql),
    metrics: createHttpMetrics({ sql, outboxLag: deps.outboxLag, waitingClaims: () => taskReady.waiting }),
    taskReady,
    tasks: createTaskBatcher(
      sql,
      settings,
      deps.options?.taskStatementsInFlight === undefined
        ? {}
        : { maxInFlight: deps.options.taskStatementsInFlight },
    ),
    closing: closingController.signal,
    health: deps.health,
    options: {
      sseHeartbeatMs: deps.options?.sseHeartbeatMs ?? 15_000,
      claimRecheckMs: deps.options?.claimRecheckMs ?? 2_000,
      metricsOpenOnLoopback: deps.options?.metricsOpenOnLoopback ?? true,
    },
  };

  installErrorHandling(app, logger, config.bodyLimitBytes);

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    ctx.metrics.httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (logger.isLevelEnabled("debug")) {
      logger.debug(
        { reqId: request.id, method: request.method, route, status: reply.statusCode, ms: reply.elapsedTime },
        "request",
      );
    }
  });
  app.addHook("onReady", async () => {
    // Bounded: a database that is down at start must not stop the API from starting.
    await Promise.race([taskReady.start(), new Promise((r) => setTimeout(r, 3_000).unref())]);
  });
  const drain = createConnectionDrain(app.server, deps.options?.closeGraceMs ?? 10_000);
  app.addHook("preClose", async () => {
    closingController.abort();
    drain.start();
    await taskReady.stop();
  });

  app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "AgentOps Hub API",
        version: "1.0.0",
        description:
          "The REST API agents work through. Every /v1 route needs `Authorization: Bearer <key>` " +
          "(an agent key, or the admin key). Errors are `{error: {code, message, details?}}`.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  app.register(swaggerUi, { routePrefix: "/docs" });
  app.register(async (scope) => registerRoutes(scope, ctx));
  return app;
}
