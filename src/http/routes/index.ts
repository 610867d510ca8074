import type { FastifyInstance } from "fastify";
import type { RouteContext } from "../context.ts";
import { installGuard } from "../guard.ts";
import { registerAgentRoutes } from "./agents.ts";
import { registerArtifactRoutes } from "./artifacts.ts";
import { registerEventRoutes } from "./events.ts";
import { registerHealthRoutes } from "./health.ts";
import { registerModelUsageRoutes } from "./model-usage.ts";
import { registerProjectRoutes } from "./projects.ts";
import { registerTaskClaimRoutes } from "./task-claims.ts";
import { registerTaskOutcomeRoutes } from "./task-outcomes.ts";
import { registerTaskUpdateRoutes } from "./task-updates.ts";
import { registerTaskRoutes } from "./tasks.ts";
import { registerToolRoutes } from "./tools.ts";

/**
 * Every route of the API: health and metrics at the root, the rest under /v1 behind the key
 * check and the rate limit. Channel adapters mount their own routes on the same app.
 */
export async function registerRoutes(app: FastifyInstance, ctx: RouteContext) {
  registerHealthRoutes(app, ctx);
  await app.register(
    async (v1) => {
      installGuard(v1, ctx);
      registerProjectRoutes(v1, ctx);
      registerTaskRoutes(v1, ctx);
      registerTaskClaimRoutes(v1, ctx);
      registerTaskOutcomeRoutes(v1, ctx);
      registerTaskUpdateRoutes(v1, ctx);
      registerAgentRoutes(v1, ctx);
      registerEventRoutes(v1, ctx);
      registerArtifactRoutes(v1, ctx);
      registerToolRoutes(v1, ctx);
      registerModelUsageRoutes(v1, ctx);
    },
    { prefix: "/v1" },
  );
}
