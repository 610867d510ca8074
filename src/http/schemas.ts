import { errorSchema } from "./errors.ts";

// JSON schemas shared by the routes: requests are validated with them (no type coercion, no
// unknown fields in bodies), responses are serialised with them and documented at /docs.

export const str = { type: "string" } as const;
export const nstr = { type: ["string", "null"] } as const;
export const ndate = { type: ["string", "null"], format: "date-time" } as const;
export const date = { type: "string", format: "date-time" } as const;
export const int = { type: "integer" } as const;
export const nint = { type: ["integer", "null"] } as const;
export const num = { type: "number" } as const;
export const bool = { type: "boolean" } as const;
export const anyValue = {} as const;
export const jsonObject = { type: "object", additionalProperties: true } as const;
export const strList = { type: "array", items: { type: "string" } } as const;

const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

export const taskRefParams = {
  type: "object",
  properties: {
    id: {
      type: "string",
      pattern: `^(#?[0-9]{1,15}|${UUID})$`,
      description: "a task UUID or number",
    },
  },
  required: ["id"],
} as const;

/** A task named in a body: its UUID, or its number as a string ("#12", "12") or an integer. */
const TASK_REF = [
  { type: "string", minLength: 1, maxLength: 40 },
  { type: "integer", minimum: 1 },
] as const;
export const taskRefBody = { anyOf: TASK_REF, description: "a task UUID or number" } as const;
/** The same, where null clears it. */
export const nullableTaskRefBody = (description: string) =>
  ({ anyOf: [...TASK_REF, { type: "null" }], description }) as const;

export const uuidParams = {
  type: "object",
  properties: { id: { type: "string", pattern: `^${UUID}$`, description: "a UUID" } },
  required: ["id"],
} as const;

export const projectRefParams = {
  type: "object",
  properties: { id: { type: "string", minLength: 1, maxLength: 200, description: "a project UUID or name" } },
  required: ["id"],
} as const;

export const AGENT_NAME = {
  type: "string",
  pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$",
  description: "a name of up to 63 letters, digits, '.', '_' or '-'",
} as const;

export const agentNameParams = {
  type: "object",
  properties: { name: AGENT_NAME },
  required: ["name"],
} as const;

export const priorityInput = {
  anyOf: [
    { type: "integer", minimum: 0, maximum: 100 },
    { type: "string", enum: ["low", "medium", "high", "critical"] },
  ],
  description: "an integer from 0 to 100 or one of low, medium, high, critical",
} as const;

export const capabilityList = {
  type: "array",
  maxItems: 100,
  items: { type: "string", minLength: 1, maxLength: 100 },
} as const;

/** Query values arrive as strings (no coercion): digits, validated here, parsed in the handler. */
export const digits = (description: string) =>
  ({ type: "string", pattern: "^[0-9]{1,15}$", description }) as const;

export const claimToken = {
  type: "string",
  pattern: `^${UUID}$`,
  description: "the claim_token from the claim",
} as const;

export const idempotencyHeaders = {
  type: "object",
  properties: {
    "idempotency-key": {
      type: "string",
      minLength: 1,
      maxLength: 200,
      pattern: "^[\\x21-\\x7E]+$",
      description: "printable ASCII without spaces, up to 200 characters",
    },
  },
} as const;

export const errorResponses = {
  "4xx": errorSchema,
  "5xx": errorSchema,
} as const;

export const taskSchema = {
  type: "object",
  properties: {
    id: str,
    number: int,
    title: str,
    description: nstr,
    status: str,
    priority: int,
    priority_name: str,
    project_id: nstr,
    project_name: nstr,
    parent_task_id: nstr,
    assigned_to: nstr,
    required_capabilities: strList,
    input: jsonObject,
    result: anyValue,
    error: nstr,
    blocked_reason: nstr,
    due_at: ndate,
    claimed_by: nstr,
    claimed_at: ndate,
    lease_expires_at: ndate,
    attempts: int,
    max_attempts: int,
    created_by: nstr,
    created_at: date,
    updated_at: date,
    started_at: ndate,
    completed_at: ndate,
  },
} as const;

export const claimedTaskSchema = {
  type: "object",
  properties: { ...taskSchema.properties, claim_token: str },
} as const;

export const projectSchema = {
  type: "object",
  properties: {
    id: str,
    name: str,
    description: nstr,
    status: str,
    priority: int,
    priority_name: str,
    metadata: jsonObject,
    created_at: date,
    updated_at: date,
    completed_at: ndate,
  },
} as const;

export const projectProgressSchema = {
  type: "object",
  properties: {
    id: str,
    name: str,
    status: str,
    priority: int,
    priority_name: str,
    total_tasks: int,
    completed_tasks: int,
    in_progress_tasks: int,
    blocked_tasks: int,
    pending_tasks: int,
    failed_tasks: int,
    percent_complete: num,
  },
} as const;

export const taskUpdateSchema = {
  type: "object",
  properties: {
    id: str,
    task_id: str,
    agent_name: nstr,
    update_type: str,
    message: str,
    data: jsonObject,
    created_at: date,
  },
} as const;

export const agentSchema = {
  type: "object",
  properties: {
    id: str,
    name: str,
    type: str,
    description: nstr,
    capabilities: strList,
    status: str,
    current_task_id: nstr,
    current_task_number: nint,
    last_seen_at: ndate,
    last_heartbeat_at: ndate,
    created_at: date,
  },
} as const;

export const eventSchema = {
  type: "object",
  properties: {
    id: int,
    seq: {
      type: "integer",
      description:
        "its place in the order events were published in: what the SSE stream's ids and Last-Event-ID are (absent while unpublished)",
    },
    type: str,
    entity_type: nstr,
    entity_id: nstr,
    actor: nstr,
    payload: jsonObject,
    created_at: date,
  },
} as const;

export const artifactSchema = {
  type: "object",
  properties: {
    id: str,
    task_id: nstr,
    project_id: nstr,
    name: str,
    kind: str,
    uri: str,
    mime_type: nstr,
    size_bytes: nint,
    checksum: nstr,
    metadata: jsonObject,
    created_by: nstr,
    created_at: date,
  },
} as const;

export const toolSchema = {
  type: "object",
  properties: {
    id: str,
    name: str,
    description: nstr,
    input_schema: jsonObject,
    enabled: bool,
    created_at: date,
    updated_at: date,
  },
} as const;

export const modelUsageSchema = {
  type: "object",
  properties: {
    id: int,
    agent_name: nstr,
    task_id: nstr,
    provider: nstr,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    cost_usd: num,
    created_at: date,
  },
} as const;

const totals = {
  calls: int,
  prompt_tokens: int,
  completion_tokens: int,
  total_tokens: int,
  cost_usd: num,
} as const;

export const usageSummarySchema = {
  type: "object",
  properties: {
    total: { type: "object", properties: totals },
    by_agent: { type: "array", items: { type: "object", properties: { agent_name: nstr, ...totals } } },
    by_model: { type: "array", items: { type: "object", properties: { model: str, ...totals } } },
    by_day: { type: "array", items: { type: "object", properties: { day: str, ...totals } } },
  },
} as const;

/** `{ [key]: schema }` as a response object schema. */
export const wrap = (key: string, schema: object) =>
  ({ type: "object", properties: { [key]: schema }, required: [key] }) as const;

export const listOf = (key: string, item: object, extra: Record<string, object> = {}) =>
  ({
    type: "object",
    properties: { [key]: { type: "array", items: item }, ...extra },
    required: [key],
  }) as const;
