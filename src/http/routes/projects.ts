import type { FastifyInstance } from "fastify";
import {
  createProject,
  getProject,
  getProjectProgress,
  listProjects,
  setProjectStatus,
  updateProject,
} from "../../core/projects.ts";
import type { ProjectStatus } from "../../core/types.ts";
import { actorOf, scopeOf } from "../auth.ts";
import type { RouteContext } from "../context.ts";
import { projectDto, projectProgressDto } from "../dto.ts";
import { defined } from "../query.ts";
import {
  errorResponses,
  idempotencyHeaders,
  listOf,
  priorityInput,
  projectProgressSchema,
  projectRefParams,
  projectSchema,
  wrap,
} from "../schemas.ts";

const STATUSES = ["active", "paused", "completed", "cancelled"] as const;

interface ProjectBody {
  name?: string;
  description?: string | null;
  priority?: number | string;
  metadata?: Record<string, unknown>;
  status?: ProjectStatus;
}

const projectFields = {
  name: { type: "string", minLength: 1, maxLength: 200 },
  description: { type: ["string", "null"], maxLength: 20_000 },
  priority: priorityInput,
  metadata: { type: "object", additionalProperties: true },
} as const;

const projectWithProgress = {
  type: "object",
  properties: { project: projectSchema, progress: projectProgressSchema },
  required: ["project"],
} as const;

export function registerProjectRoutes(app: FastifyInstance, ctx: RouteContext) {
  app.post<{ Body: ProjectBody & { name: string } }>(
    "/projects",
    {
      schema: {
        tags: ["projects"],
        summary: "Create a project",
        headers: idempotencyHeaders,
        body: { type: "object", additionalProperties: false, required: ["name"], properties: projectFields },
        response: { 201: wrap("project", projectSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = ctx.auth.callerOf(request);
      const b = request.body;
      return ctx.idempotency.run(request, reply, scopeOf(caller), 201, async (sql) => ({
        project: projectDto(
          await createProject(
            sql,
            defined({ name: b.name, description: b.description, priority: b.priority, metadata: b.metadata }),
            { actor: actorOf(caller) },
          ),
        ),
      }));
    },
  );

  app.get<{ Querystring: { status?: ProjectStatus } }>(
    "/projects",
    {
      schema: {
        tags: ["projects"],
        summary: "Projects with their progress",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { status: { type: "string", enum: [...STATUSES] } },
        },
        response: { 200: listOf("projects", projectProgressSchema), ...errorResponses },
      },
    },
    async (request) => ({
      projects: (await listProjects(ctx.sql, defined({ status: request.query.status }))).map(
        projectProgressDto,
      ),
    }),
  );

  app.get<{ Params: { id: string } }>(
    "/projects/:id",
    {
      schema: {
        tags: ["projects"],
        summary: "One project by UUID or name, with its progress",
        params: projectRefParams,
        response: { 200: projectWithProgress, ...errorResponses },
      },
    },
    async (request) => {
      const project = await getProject(ctx.sql, request.params.id);
      const progress = await getProjectProgress(ctx.sql, project.id);
      return { project: projectDto(project), progress: projectProgressDto(progress) };
    },
  );

  app.patch<{ Params: { id: string }; Body: ProjectBody }>(
    "/projects/:id",
    {
      schema: {
        tags: ["projects"],
        summary: "Change a project; status pauses, resumes, completes or cancels it",
        params: projectRefParams,
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: { ...projectFields, status: { type: "string", enum: [...STATUSES] } },
        },
        response: { 200: wrap("project", projectSchema), ...errorResponses },
      },
    },
    async (request) => {
      const caller = ctx.auth.callerOf(request);
      const { status, ...fields } = request.body;
      const op = { actor: actorOf(caller) };
      const changes = defined({
        name: fields.name,
        description: fields.description,
        priority: fields.priority,
        metadata: fields.metadata,
      });
      return ctx.sql.transaction(async (tx) => {
        let project = await getProject(tx, request.params.id);
        if (Object.keys(changes).length > 0) project = await updateProject(tx, project.id, changes, op);
        if (status !== undefined) project = (await setProjectStatus(tx, project.id, status, op)).project;
        return { project: projectDto(project) };
      });
    },
  );
}
