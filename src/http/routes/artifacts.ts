import type { FastifyInstance } from "fastify";
import { createArtifact, getArtifact } from "../../core/artifacts.ts";
import { actorOf, scopeOf } from "../auth.ts";
import type { RouteContext } from "../context.ts";
import { artifactDto } from "../dto.ts";
import { defined } from "../query.ts";
import {
  artifactSchema,
  errorResponses,
  idempotencyHeaders,
  taskRefBody,
  uuidParams,
  wrap,
} from "../schemas.ts";

interface ArtifactBody {
  task?: string | number;
  project?: string;
  name: string;
  kind?: string;
  uri: string;
  mime_type?: string;
  size_bytes?: number;
  checksum?: string;
  metadata?: Record<string, unknown>;
}

export function registerArtifactRoutes(app: FastifyInstance, ctx: RouteContext) {
  app.post<{ Body: ArtifactBody }>(
    "/artifacts",
    {
      schema: {
        tags: ["artifacts"],
        summary: "Record an artifact (a file, a link) a task produced",
        headers: idempotencyHeaders,
        body: {
          type: "object",
          additionalProperties: false,
          required: ["name", "uri"],
          properties: {
            task: taskRefBody,
            project: { type: "string", minLength: 1, maxLength: 200 },
            name: { type: "string", minLength: 1, maxLength: 500 },
            kind: { type: "string", minLength: 1, maxLength: 50 },
            uri: { type: "string", minLength: 1, maxLength: 4_000 },
            mime_type: { type: "string", maxLength: 200 },
            size_bytes: { type: "integer", minimum: 0 },
            checksum: { type: "string", maxLength: 200 },
            metadata: { type: "object", additionalProperties: true },
          },
        },
        response: { 201: wrap("artifact", artifactSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = ctx.auth.callerOf(request);
      const b = request.body;
      return ctx.idempotency.run(request, reply, scopeOf(caller), 201, async (sql) => ({
        artifact: artifactDto(
          await createArtifact(
            sql,
            defined({
              taskRef: b.task,
              projectRef: b.project,
              name: b.name,
              kind: b.kind,
              uri: b.uri,
              mimeType: b.mime_type,
              sizeBytes: b.size_bytes,
              checksum: b.checksum,
              metadata: b.metadata,
            }),
            { actor: actorOf(caller) },
          ),
        ),
      }));
    },
  );

  app.get<{ Params: { id: string } }>(
    "/artifacts/:id",
    {
      schema: {
        tags: ["artifacts"],
        summary: "One artifact",
        params: uuidParams,
        response: { 200: wrap("artifact", artifactSchema), ...errorResponses },
      },
    },
    async (request) => ({ artifact: artifactDto(await getArtifact(ctx.sql, request.params.id)) }),
  );
}
