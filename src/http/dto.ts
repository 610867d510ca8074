import { priorityName } from "../core/priority.ts";
import type {
  Agent,
  Artifact,
  ClaimedTask,
  HubEvent,
  ModelUsage,
  Project,
  ProjectProgress,
  Task,
  TaskUpdate,
  Tool,
  UsageSummary,
  UsageTotals,
} from "../core/types.ts";

// Domain objects → the snake_case JSON the API speaks. Dates become ISO strings here, so a
// stored idempotent response replays byte for byte.

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

export const taskDto = (t: Task) => ({
  id: t.id,
  number: t.number,
  title: t.title,
  description: t.description,
  status: t.status,
  priority: t.priority,
  priority_name: priorityName(t.priority),
  project_id: t.projectId,
  project_name: t.projectName,
  parent_task_id: t.parentTaskId,
  assigned_to: t.assignedTo,
  required_capabilities: t.requiredCapabilities,
  input: t.input,
  result: t.result ?? null,
  error: t.error,
  blocked_reason: t.blockedReason,
  due_at: iso(t.dueAt),
  claimed_by: t.claimedBy,
  claimed_at: iso(t.claimedAt),
  lease_expires_at: iso(t.leaseExpiresAt),
  attempts: t.attempts,
  max_attempts: t.maxAttempts,
  created_by: t.createdBy,
  created_at: iso(t.createdAt),
  updated_at: iso(t.updatedAt),
  started_at: iso(t.startedAt),
  completed_at: iso(t.completedAt),
});
export type TaskDto = ReturnType<typeof taskDto>;

export const claimedTaskDto = (t: ClaimedTask) => ({ ...taskDto(t), claim_token: t.claimToken });

export const projectDto = (p: Project) => ({
  id: p.id,
  name: p.name,
  description: p.description,
  status: p.status,
  priority: p.priority,
  priority_name: priorityName(p.priority),
  metadata: p.metadata,
  created_at: iso(p.createdAt),
  updated_at: iso(p.updatedAt),
  completed_at: iso(p.completedAt),
});

export const projectProgressDto = (p: ProjectProgress) => ({
  id: p.id,
  name: p.name,
  status: p.status,
  priority: p.priority,
  priority_name: priorityName(p.priority),
  total_tasks: p.totalTasks,
  completed_tasks: p.completedTasks,
  in_progress_tasks: p.inProgressTasks,
  blocked_tasks: p.blockedTasks,
  pending_tasks: p.pendingTasks,
  failed_tasks: p.failedTasks,
  percent_complete: p.percentComplete,
});

export const taskUpdateDto = (u: TaskUpdate) => ({
  id: u.id,
  task_id: u.taskId,
  agent_name: u.agentName,
  update_type: u.updateType,
  message: u.message,
  data: u.data,
  created_at: iso(u.createdAt),
});

export const agentDto = (a: Agent) => ({
  id: a.id,
  name: a.name,
  type: a.type,
  description: a.description,
  capabilities: a.capabilities,
  status: a.status,
  current_task_id: a.currentTaskId,
  current_task_number: a.currentTaskNumber,
  last_seen_at: iso(a.lastSeenAt),
  last_heartbeat_at: iso(a.lastHeartbeatAt),
  created_at: iso(a.createdAt),
});

export const eventDto = (e: HubEvent) => ({
  id: e.id,
  ...(e.seq === undefined ? {} : { seq: e.seq }),
  type: e.type,
  entity_type: e.entityType,
  entity_id: e.entityId,
  actor: e.actor,
  payload: e.payload,
  created_at: iso(e.createdAt),
});

export const artifactDto = (a: Artifact) => ({
  id: a.id,
  task_id: a.taskId,
  project_id: a.projectId,
  name: a.name,
  kind: a.kind,
  uri: a.uri,
  mime_type: a.mimeType,
  size_bytes: a.sizeBytes,
  checksum: a.checksum,
  metadata: a.metadata,
  created_by: a.createdBy,
  created_at: iso(a.createdAt),
});

export const toolDto = (t: Tool) => ({
  id: t.id,
  name: t.name,
  description: t.description,
  input_schema: t.inputSchema,
  enabled: t.enabled,
  created_at: iso(t.createdAt),
  updated_at: iso(t.updatedAt),
});

export const modelUsageDto = (u: ModelUsage) => ({
  id: u.id,
  agent_name: u.agentName,
  task_id: u.taskId,
  provider: u.provider,
  model: u.model,
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  cost_usd: u.costUsd,
  created_at: iso(u.createdAt),
});

const totalsDto = (t: UsageTotals) => ({
  calls: t.calls,
  prompt_tokens: t.promptTokens,
  completion_tokens: t.completionTokens,
  total_tokens: t.totalTokens,
  cost_usd: t.costUsd,
});

export const usageSummaryDto = (s: UsageSummary) => ({
  total: totalsDto(s.total),
  by_agent: s.byAgent.map((r) => ({ agent_name: r.agentName, ...totalsDto(r) })),
  by_model: s.byModel.map((r) => ({ model: r.model, ...totalsDto(r) })),
  by_day: s.byDay.map((r) => ({ day: r.day, ...totalsDto(r) })),
});
