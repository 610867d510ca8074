import type { FastifyInstance } from "fastify";
import { addTaskUpdate, commentOnTask, listTaskUpdates } from "../../core/task-updates.ts";
import type { UpdateType } from "../../core/types.ts";
import { HubError } from "../../errors.ts";
import { actorOf, scopeOf } from "../auth.ts";
import type { RouteContext } from "../context.ts";
import { taskDto, taskUpdateDto } from "../dto.ts";
import { asHolder } from "../ownership.ts";
import { defined, intParam } from "../query.ts";
import {
  claimToken,
  digits,
  errorResponses,
  idempotencyHeaders,
  listOf,
  taskRefParams,
  taskSchema,
  taskUpdateSchema,
} from "../schemas.ts";

const UPDATE_TYPES = ["progress", "note", "question", "answer", "status_change", "comment", "error"] as const;
/** A person's words to the agent: through commentOnTask, where an answer unblocks a question. */
const PERSON_TYPES = new Set<UpdateType>(["answer", "comment"]);

interface UpdateBody {
  update_type: UpdateType;
  message: string;
  data?: Record<string, unknown>;
  claim_token?: string;
}

export function registerTaskUpdateRoutes(app: FastifyInstance, ctx: RouteContext) {
  app.post<{ Params: { id: string }; Body: UpdateBody }>(
    "/tasks/:id/updates",
    {
      schema: {
        tags: ["tasks"],
        summary: "Post progress, a note or a question (a question blocks the task until answered)",
        params: taskRefParams,
        headers: idempotencyHeaders,
        body: {
          type: "object",
          additionalProperties: false,
          required: ["update_type", "message"],
          properties: {
            update_type: { type: "string", enum: [...UPDATE_TYPES] },
            message: { type: "string", minLength: 1, maxLength: 20_000 },
            data: { type: "object", additionalProperties: true },
            claim_token: { ...claimToken, description: "required for agents on a task they hold" },
          },
        },
        response: {
          201: {
            type: "object",
            properties: { update: taskUpdateSchema, task: taskSchema },
            required: ["update"],
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const caller = ctx.auth.callerOf(request);
      const b = request.body;
      const op = { actor: actorOf(caller) };
      if (PERSON_TYPES.has(b.update_type) && caller.kind === "agent") {
        throw new HubError(
          "forbidden",
          `Agents post progress, notes and questions; "${b.update_type}" is the person's`,
        );
      }
      return ctx.idempotency.run(request, reply, scopeOf(caller), 201, async (sql) => {
        if (PERSON_TYPES.has(b.update_type)) {
          const r = await commentOnTask(sql, request.params.id, b.message, op);
          return { update: taskUpdateDto(r.update), task: taskDto(r.task) };
        }
        const update = await asHolder(ctx, caller, () =>
          addTaskUpdate(
            sql,
            request.params.id,
            defined({ updateType: b.update_type, message: b.message, data: b.data }),
            b.claim_token === undefined ? op : { ...op, claimToken: b.claim_token },
          ),
        );
        return { update: taskUpdateDto(update) };
      });
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: string; before?: string } }>(
    "/tasks/:id/updates",
    {
      schema: {
        tags: ["tasks"],
        summary: "A task's updates, newest first",
        params: taskRefParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            limit: digits("a number from 1 to 500"),
            before: { type: "string", format: "date-time", description: "a date-time: updates before it" },
          },
        },
        response: { 200: listOf("updates", taskUpdateSchema), ...errorResponses },
      },
    },
    async (request) => {
      const updates = await listTaskUpdates(
        ctx.sql,
        request.params.id,
        defined({ limit: intParam(request.query.limit, "limit", 1, 500), before: request.query.before }),
      );
      return { updates: updates.map(taskUpdateDto) };
    },
  );
}
