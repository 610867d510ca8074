import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PG, pgCode } from "../db/sql.ts";
import { HubError, type HubErrorCode } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { type ValidationIssue, validationSentence } from "./validation-message.ts";

/** The one place a HubError code becomes an HTTP status. */
export function httpStatusFor(code: HubErrorCode): number {
  switch (code) {
    case "validation":
    case "bad_request":
      return 400;
    case "unauthorized":
      return 401;
    case "forbidden":
      return 403;
    case "not_found":
      return 404;
    case "conflict":
    case "lease_conflict":
      return 409;
    case "payload_too_large":
      return 413;
    case "unsupported_media_type":
      return 415;
    case "rate_limited":
      return 429;
    case "unavailable":
      return 503;
    default:
      return 500;
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** JSON schema of every error response, for the OpenAPI document. */
export const errorSchema = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        details: { type: "object", additionalProperties: true },
      },
      required: ["code", "message"],
    },
  },
  required: ["error"],
} as const;

const CONNECTION_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "57P01",
  "57P03",
  "53300",
]);

/** Whatever was thrown, as the HubError a client should see. */
export function toHubError(e: unknown, bodyLimit: number): HubError {
  if (e instanceof HubError) return e;
  const fe = e as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (fe?.validation) {
    return new HubError("validation", validationSentence(fe.validation, fe.validationContext ?? "body"));
  }
  switch (fe?.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new HubError(
        "payload_too_large",
        `The request body is larger than the limit of ${bodyLimit} bytes (BODY_LIMIT_BYTES)`,
        { details: { limitBytes: bodyLimit } },
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new HubError(
        "unsupported_media_type",
        "Send the body as JSON with Content-Type: application/json",
      );
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new HubError(
        "bad_request",
        "The body is empty but Content-Type says application/json: send a JSON object (at least {})",
      );
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new HubError("bad_request", "The request body is not valid JSON");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new HubError("bad_request", "Content-Length does not match the body that was sent");
  }
  const pg = pgCode(e);
  if (pg === PG.invalidText) return new HubError("validation", "A value has the wrong format for its field");
  if (pg === PG.checkViolation || pg === PG.notNullViolation || pg === "22001" || pg === "22003") {
    return new HubError("validation", "A value is out of range for its field");
  }
  if (pg === PG.foreignKeyViolation) return new HubError("validation", "A referenced record does not exist");
  if (pg === PG.uniqueViolation) return new HubError("conflict", "That record already exists");
  if (pg && CONNECTION_ERRORS.has(pg))
    return new HubError("unavailable", "The database is unavailable; retry shortly");
  if (typeof fe?.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new HubError("bad_request", fe.message ?? "Bad request");
  }
  if (
    e instanceof Error &&
    /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(e.message)
  ) {
    return new HubError("unavailable", "The database is unavailable; retry shortly");
  }
  return new HubError("internal", "Internal error");
}

export function errorBody(e: HubError): ErrorBody {
  return {
    error:
      e.details === undefined
        ? { code: e.code, message: e.message }
        : { code: e.code, message: e.message, details: e.details },
  };
}

/** Sends `e` as `{error: {code, message, details?}}` with its status and headers. */
export function sendError(reply: FastifyReply, e: HubError) {
  const status = httpStatusFor(e.code);
  if (e.code === "unauthorized") reply.header("www-authenticate", 'Bearer realm="agentops"');
  if (e.code === "rate_limited" || e.code === "unavailable") {
    const s = e.details?.retryAfterSeconds;
    reply.header("retry-after", String(typeof s === "number" ? s : 1));
  }
  return reply.code(status).type("application/json; charset=utf-8").send(errorBody(e));
}

export function installErrorHandling(app: FastifyInstance, logger: Logger, bodyLimit: number) {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const e = toHubError(err, bodyLimit);
    const status = httpStatusFor(e.code);
    if (status >= 500) {
      logger.error({ err, reqId: request.id, route: request.routeOptions.url }, "request failed");
    }
    return sendError(reply, e);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new HubError("not_found", `No route ${request.method} ${request.url.split("?")[0]}`)),
  );
}
