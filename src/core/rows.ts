/**
 * Row → domain mapping, in one place. Rows come from `SELECT *`-style queries (plus the joined
 * names noted per type); numerics arrive as strings from both drivers, hence Number().
 */
import type {
  Agent,
  AgentStatus,
  AgentType,
  ApiKeyInfo,
  Artifact,
  ClaimedTask,
  HubEvent,
  ModelUsage,
  Project,
  ProjectProgress,
  ProjectStatus,
  Task,
  TaskStatus,
  TaskUpdate,
  Tool,
  UpdateType,
  UsageTotals,
} from "./types.ts";

type Json = Record<string, unknown>;
const num = (v: unknown) => Number(v ?? 0);
const optNum = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const optDate = (v: unknown) => (v === null || v === undefined ? null : new Date(v as Date));
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});

export interface ProjectRow {
  id: string;
  name: string;
  description: string | null;
  status: ProjectStatus;
  priority: number;
  metadata: Json;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

export const projectFromRow = (r: ProjectRow): Project => ({
  id: r.id,
  name: r.name,
  description: r.description,
  status: r.status,
  priority: r.priority,
  metadata: obj(r.metadata),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  completedAt: optDate(r.completed_at),
});

export interface ProgressRow {
  id: string;
  name: string;
  status: ProjectStatus;
  priority: number;
  total_tasks: unknown;
  completed_tasks: unknown;
  in_progress_tasks: unknown;
  blocked_tasks: unknown;
  pending_tasks: unknown;
  failed_tasks: unknown;
  percent_complete: unknown;
}

export const progressFromRow = (r: ProgressRow): ProjectProgress => ({
  id: r.id,
  name: r.name,
  status: r.status,
  priority: r.priority,
  totalTasks: num(r.total_tasks),
  completedTasks: num(r.completed_tasks),
  inProgressTasks: num(r.in_progress_tasks),
  blockedTasks: num(r.blocked_tasks),
  pendingTasks: num(r.pending_tasks),
  failedTasks: num(r.failed_tasks),
  percentComplete: num(r.percent_complete),
});

/** A tasks row plus `project_name` from the projects join. */
export interface TaskRow {
  id: string;
  number: number;
  project_id: string | null;
  project_name: string | null;
  parent_task_id: string | null;
  title: string;
  description: string | null;
  status: TaskStatus;
  priority: number;
  assigned_to: string | null;
  required_capabilities: string[];
  input: Json;
  result: unknown;
  error: string | null;
  blocked_reason: string | null;
  due_at: Date | null;
  claimed_by: string | null;
  claimed_at: Date | null;
  lease_expires_at: Date | null;
  claim_token: string | null;
  attempts: number;
  max_attempts: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

// The claim token is a capability: only ClaimedTask (returned to the claimer) carries it.
export const taskFromRow = (r: TaskRow): Task => ({
  id: r.id,
  number: num(r.number),
  projectId: r.project_id,
  projectName: r.project_name ?? null,
  parentTaskId: r.parent_task_id,
  title: r.title,
  description: r.description,
  status: r.status,
  priority: r.priority,
  assignedTo: r.assigned_to,
  requiredCapabilities: r.required_capabilities ?? [],
  input: obj(r.input),
  result: r.result ?? null,
  error: r.error,
  blockedReason: r.blocked_reason,
  dueAt: optDate(r.due_at),
  claimedBy: r.claimed_by,
  claimedAt: optDate(r.claimed_at),
  leaseExpiresAt: optDate(r.lease_expires_at),
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  startedAt: optDate(r.started_at),
  completedAt: optDate(r.completed_at),
});

export const claimedTaskFromRow = (r: TaskRow): ClaimedTask => ({
  ...taskFromRow(r),
  claimToken: r.claim_token ?? "",
});

export interface TaskUpdateRow {
  id: string;
  task_id: string;
  agent_name: string | null;
  update_type: UpdateType;
  message: string;
  data: Json;
  created_at: Date;
}

export const taskUpdateFromRow = (r: TaskUpdateRow): TaskUpdate => ({
  id: r.id,
  taskId: r.task_id,
  agentName: r.agent_name,
  updateType: r.update_type,
  message: r.message,
  data: obj(r.data),
  createdAt: r.created_at,
});

/** An agents row plus `current_task_number` from the tasks join. */
export interface AgentRow {
  id: string;
  name: string;
  type: AgentType;
  description: string | null;
  capabilities: string[];
  status: AgentStatus;
  current_task_id: string | null;
  current_task_number: number | null;
  last_seen_at: Date | null;
  last_heartbeat_at: Date | null;
  created_at: Date;
}

export const agentFromRow = (r: AgentRow): Agent => ({
  id: r.id,
  name: r.name,
  type: r.type,
  description: r.description,
  capabilities: r.capabilities ?? [],
  status: r.status,
  currentTaskId: r.current_task_id,
  currentTaskNumber: optNum(r.current_task_number),
  lastSeenAt: optDate(r.last_seen_at),
  lastHeartbeatAt: optDate(r.last_heartbeat_at),
  createdAt: r.created_at,
});

export interface EventRow {
  id: number;
  event_type: string;
  entity_type: string | null;
  entity_id: string | null;
  actor: string | null;
  payload: Json;
  created_at: Date;
  /** event_feed.seq, where the query joins it */
  seq?: number | string;
}

export const eventFromRow = (r: EventRow): HubEvent => ({
  id: num(r.id),
  ...(r.seq === undefined || r.seq === null ? {} : { seq: num(r.seq) }),
  type: r.event_type,
  entityType: r.entity_type,
  entityId: r.entity_id,
  actor: r.actor,
  payload: obj(r.payload),
  createdAt: r.created_at,
});

export interface ArtifactRow {
  id: string;
  task_id: string | null;
  project_id: string | null;
  name: string;
  kind: string;
  uri: string;
  mime_type: string | null;
  size_bytes: number | null;
  checksum: string | null;
  metadata: Json;
  created_by: string | null;
  created_at: Date;
}

export const artifactFromRow = (r: ArtifactRow): Artifact => ({
  id: r.id,
  taskId: r.task_id,
  projectId: r.project_id,
  name: r.name,
  kind: r.kind,
  uri: r.uri,
  mimeType: r.mime_type,
  sizeBytes: optNum(r.size_bytes),
  checksum: r.checksum,
  metadata: obj(r.metadata),
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export interface ToolRow {
  id: string;
  name: string;
  description: string | null;
  input_schema: Json;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export const toolFromRow = (r: ToolRow): Tool => ({
  id: r.id,
  name: r.name,
  description: r.description,
  inputSchema: obj(r.input_schema),
  enabled: r.enabled,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface ApiKeyRow {
  id: string;
  key_prefix: string;
  agent_name: string | null;
  is_admin: boolean;
  label: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export const apiKeyFromRow = (r: ApiKeyRow): ApiKeyInfo => ({
  id: r.id,
  keyPrefix: r.key_prefix,
  agentName: r.agent_name,
  isAdmin: r.is_admin,
  label: r.label,
  createdAt: r.created_at,
  lastUsedAt: optDate(r.last_used_at),
  revokedAt: optDate(r.revoked_at),
});

export interface ModelUsageRow {
  id: number;
  agent_name: string | null;
  task_id: string | null;
  provider: string | null;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: unknown;
  created_at: Date;
}

export const modelUsageFromRow = (r: ModelUsageRow): ModelUsage => ({
  id: num(r.id),
  agentName: r.agent_name,
  taskId: r.task_id,
  provider: r.provider,
  model: r.model,
  promptTokens: r.prompt_tokens,
  completionTokens: r.completion_tokens,
  costUsd: num(r.cost_usd),
  createdAt: r.created_at,
});

export interface UsageTotalsRow {
  calls: unknown;
  prompt_tokens: unknown;
  completion_tokens: unknown;
  cost_usd: unknown;
}

export const usageTotalsFromRow = (r: UsageTotalsRow | undefined): UsageTotals => {
  const promptTokens = num(r?.prompt_tokens);
  const completionTokens = num(r?.completion_tokens);
  return {
    calls: num(r?.calls),
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    costUsd: num(r?.cost_usd),
  };
};
