import type { FastifyInstance } from "fastify";
import { assignTask, updateTask } from "../../core/task-changes.ts";
import { createTask, getTask, listTasks } from "../../core/tasks.ts";
import type { PriorityName, TaskStatus } from "../../core/types.ts";
import { actorOf, scopeOf } from "../auth.ts";
import type { RouteContext } from "../context.ts";
import { taskDto } from "../dto.ts";
import { requireAdmin } from "../guard.ts";
import { asHolder } from "../ownership.ts";
import { defined, intParam, listParam } from "../query.ts";
import {
  AGENT_NAME,
  capabilityList,
  claimToken,
  digits,
  errorResponses,
  idempotencyHeaders,
  listOf,
  nullableTaskRefBody,
  priorityInput,
  taskRefParams,
  taskSchema,
  wrap,
} from "../schemas.ts";

const STATUS = "(pending|in_progress|blocked|completed|failed|cancelled)";
const dueAt = {
  type: ["string", "null"],
  format: "date-time",
  description: "a date-time like 2025-06-01T17:00:00Z",
} as const;

interface NewTaskBody {
  title: string;
  description?: string | null;
  project?: string | null;
  priority?: number | string;
  due_at?: string | null;
  assigned_to?: string | null;
  required_capabilities?: string[];
  input?: Record<string, unknown>;
  max_attempts?: number;
  parent_task?: string | number | null;
}

interface TaskQuery {
  status?: string;
  project?: string;
  assignee?: string;
  priority?: string;
  search?: string;
  limit?: string;
  cursor?: string;
}

interface PatchTaskBody {
  title?: string;
  description?: string | null;
  priority?: number | string;
  due_at?: string | null;
  project?: string | null;
  input?: Record<string, unknown>;
  assigned_to?: string | null;
  claim_token?: string;
}

export function registerTaskRoutes(app: FastifyInstance, ctx: RouteContext) {
  app.post<{ Body: NewTaskBody }>(
    "/tasks",
    {
      schema: {
        tags: ["tasks"],
        summary: "Create a task",
        headers: idempotencyHeaders,
        body: {
          type: "object",
          additionalProperties: false,
          required: ["title"],
          properties: {
            title: { type: "string", minLength: 1, maxLength: 500 },
            description: { type: ["string", "null"], maxLength: 100_000 },
            project: {
              type: ["string", "null"],
              minLength: 1,
              maxLength: 200,
              description: "a project UUID or name",
            },
            priority: priorityInput,
            due_at: dueAt,
            assigned_to: { anyOf: [AGENT_NAME, { type: "null" }], description: "an agent name or null" },
            required_capabilities: capabilityList,
            input: { type: "object", additionalProperties: true },
            max_attempts: { type: "integer", minimum: 1, maximum: 100 },
            parent_task: nullableTaskRefBody("the parent task's UUID or number"),
          },
        },
        response: { 201: wrap("task", taskSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = ctx.auth.callerOf(request);
      const b = request.body;
      return ctx.idempotency.run(request, reply, scopeOf(caller), 201, async (sql) => {
        const task = await createTask(
          sql,
          defined({
            title: b.title,
            description: b.description,
            project: b.project,
            priority: b.priority,
            dueAt: b.due_at,
            assignedTo: b.assigned_to,
            requiredCapabilities: b.required_capabilities,
            input: b.input,
            maxAttempts: b.max_attempts,
            parentTaskId: b.parent_task,
          }),
          { actor: actorOf(caller) },
          ctx.settings,
        );
        return { task: taskDto(task) };
      });
    },
  );

  app.get<{ Querystring: TaskQuery }>(
    "/tasks",
    {
      schema: {
        tags: ["tasks"],
        summary: "List tasks, most important first",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            status: {
              type: "string",
              pattern: `^${STATUS}(,${STATUS})*$`,
              description:
                "one of pending, in_progress, blocked, completed, failed, cancelled, or several of them comma-separated",
            },
            project: { type: "string", minLength: 1, maxLength: 200 },
            assignee: {
              type: "string",
              minLength: 1,
              maxLength: 100,
              description: "an agent name, or 'none'",
            },
            priority: {
              type: "string",
              pattern: "^(low|medium|high|critical|[0-9]{1,3})$",
              description: "low, medium, high, critical (a band) or an exact number",
            },
            search: { type: "string", maxLength: 200 },
            limit: digits("a number from 1 to 500"),
            cursor: { type: "string", maxLength: 500 },
          },
        },
        response: {
          200: listOf("tasks", taskSchema, { next_cursor: { type: "string" } }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const priority =
        q.priority === undefined
          ? undefined
          : /^\d+$/.test(q.priority)
            ? intParam(q.priority, "priority", 0, 100)
            : (q.priority as PriorityName);
      const page = await listTasks(
        ctx.sql,
        defined({
          status: listParam(q.status) as TaskStatus[] | undefined,
          project: q.project,
          assignee: q.assignee === undefined ? undefined : q.assignee === "none" ? null : q.assignee,
          priority,
          search: q.search,
          limit: intParam(q.limit, "limit", 1, 500),
          cursor: q.cursor,
        }),
      );
      return {
        tasks: page.items.map(taskDto),
        ...(page.nextCursor === undefined ? {} : { next_cursor: page.nextCursor }),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/tasks/:id",
    {
      schema: {
        tags: ["tasks"],
        summary: "One task by UUID or number",
        params: taskRefParams,
        response: { 200: wrap("task", taskSchema), ...errorResponses },
      },
    },
    async (request) => ({ task: taskDto(await getTask(ctx.sql, request.params.id)) }),
  );

  app.patch<{ Params: { id: string }; Body: PatchTaskBody }>(
    "/tasks/:id",
    {
      schema: {
        tags: ["tasks"],
        summary: "Change a task (agents: only a task they hold, with its claim_token)",
        params: taskRefParams,
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: {
            title: { type: "string", minLength: 1, maxLength: 500 },
            description: { type: ["string", "null"], maxLength: 100_000 },
            priority: priorityInput,
            due_at: dueAt,
            project: { type: ["string", "null"], minLength: 1, maxLength: 200 },
            input: { type: "object", additionalProperties: true },
            assigned_to: {
              anyOf: [AGENT_NAME, { type: "null" }],
              description: "an agent name or null (admin only)",
            },
            claim_token: claimToken,
          },
        },
        response: { 200: wrap("task", taskSchema), ...errorResponses },
      },
    },
    async (request) => {
      const caller = ctx.auth.callerOf(request);
      const { assigned_to, claim_token, ...rest } = request.body;
      const op = { actor: actorOf(caller) };
      const id = request.params.id;
      if (assigned_to !== undefined) requireAdmin(caller, "assign tasks");
      const changes = defined({
        title: rest.title,
        description: rest.description,
        priority: rest.priority,
        dueAt: rest.due_at,
        project: rest.project,
        input: rest.input,
      });
      return asHolder(ctx, caller, () =>
        ctx.sql.transaction(async (tx) => {
          let task =
            Object.keys(changes).length > 0
              ? (
                  await updateTask(
                    tx,
                    id,
                    changes,
                    claim_token === undefined ? op : { ...op, claimToken: claim_token },
                  )
                ).task
              : undefined;
          if (assigned_to !== undefined) task = (await assignTask(tx, id, assigned_to, op)).task;
          return { task: taskDto(task ?? (await getTask(tx, id))) };
        }),
      );
    },
  );
}
