import type { FastifyInstance } from "fastify";
import { listPublishedPage } from "../../core/events.ts";
import type { RouteContext } from "../context.ts";
import { eventDto } from "../dto.ts";
import { parseTypeFilter } from "../event-filter.ts";
import { streamEvents } from "../event-stream.ts";
import { defined, intParam, listParam } from "../query.ts";
import { digits, errorResponses, eventSchema, listOf } from "../schemas.ts";

interface EventsQuery {
  since?: string;
  type?: string;
  limit?: string;
}

const typeParam = {
  type: "string",
  maxLength: 1_000,
  pattern: "^[a-z_]+(\\.[a-z_*]+)?(,[a-z_]+(\\.[a-z_*]+)?)*$",
  description: "event types, comma-separated (task.completed,task.failed); task.* for a family",
} as const;

export function registerEventRoutes(app: FastifyInstance, ctx: RouteContext) {
  app.get<{ Querystring: EventsQuery }>(
    "/events",
    {
      schema: {
        tags: ["events"],
        summary: "Events in the order they were published, after a cursor",
        description:
          "Pages through events in the order of publication: `since` is the `next_cursor` of the page before " +
          "(an event id), and the next page holds every event published after that one, none skipped even " +
          "when transactions commit out of order. A page with fewer than `limit` events (a rare `type`) hands back " +
          "a cursor past every event looked at, so the next poll does not look at them again. An event is listed once published, normally within " +
          "milliseconds (while NATS is configured and down, once it is back).",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            since: digits("an event id (next_cursor): the events published after it"),
            type: typeParam,
            limit: digits("a number from 1 to 1000"),
          },
        },
        response: {
          200: listOf("events", eventSchema, { next_cursor: { type: "string" } }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const filter = parseTypeFilter(listParam(q.type));
      const limit = intParam(q.limit, "limit", 1, 1000) ?? 100;
      const { events, nextEvent } = await listPublishedPage(
        ctx.sql,
        defined({
          afterEvent: intParam(q.since, "since", 0, Number.MAX_SAFE_INTEGER),
          types: filter.exact,
          typePrefixes: filter.prefixes,
          limit,
        }),
      );
      const next = nextEvent === undefined ? q.since : String(nextEvent);
      return { events: events.map(eventDto), ...(next === undefined ? {} : { next_cursor: next }) };
    },
  );

  app.get<{ Querystring: Omit<EventsQuery, "limit">; Headers: { "last-event-id"?: string } }>(
    "/events/stream",
    {
      schema: {
        tags: ["events"],
        summary: "Server-sent events; Last-Event-ID or ?since= replays what was missed, then live",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            since: digits(
              "an event's seq (its place in the order of publication): replay what was published after it",
            ),
            type: typeParam,
          },
        },
        headers: {
          type: "object",
          properties: { "last-event-id": digits("the last `id:` received: that event's seq") },
        },
        response: { 200: { type: "string", description: "text/event-stream" }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const header = request.headers["last-event-id"];
      const since = intParam(header ?? request.query.since, "since", 0, Number.MAX_SAFE_INTEGER);
      await streamEvents(ctx, request, reply, {
        since,
        filter: parseTypeFilter(listParam(request.query.type)),
      });
    },
  );
}
