/** The domain as the rest of the hub sees it. Rows are mapped to these in src/core/*. */

export type TaskStatus = "pending" | "in_progress" | "blocked" | "completed" | "failed" | "cancelled";
export type ProjectStatus = "active" | "paused" | "completed" | "cancelled";
export type AgentStatus = "idle" | "busy" | "offline" | "error";
export type AgentType = "chief_of_staff" | "worker" | "specialist";
export type PriorityName = "low" | "medium" | "high" | "critical";
export type UpdateType = "progress" | "note" | "question" | "answer" | "status_change" | "comment" | "error";

export const PRIORITY_VALUES: Record<PriorityName, number> = { low: 25, medium: 50, high: 75, critical: 100 };

/** Who asked for an operation, recorded on every event. */
export interface Actor {
  kind: "person" | "agent" | "admin" | "system";
  /** agent name, identity (telegram:123), "admin" or "system" */
  name: string;
  /** the channel a person spoke through */
  channel?: string;
}

export interface Project {
  id: string;
  name: string;
  description: string | null;
  status: ProjectStatus;
  priority: number;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

export interface ProjectProgress {
  id: string;
  name: string;
  status: ProjectStatus;
  priority: number;
  totalTasks: number;
  completedTasks: number;
  inProgressTasks: number;
  blockedTasks: number;
  pendingTasks: number;
  failedTasks: number;
  percentComplete: number;
}

export interface Task {
  id: string;
  number: number;
  projectId: string | null;
  projectName: string | null;
  parentTaskId: string | null;
  title: string;
  description: string | null;
  status: TaskStatus;
  priority: number;
  assignedTo: string | null;
  requiredCapabilities: string[];
  input: Record<string, unknown>;
  result: unknown;
  error: string | null;
  blockedReason: string | null;
  dueAt: Date | null;
  claimedBy: string | null;
  claimedAt: Date | null;
  leaseExpiresAt: Date | null;
  attempts: number;
  maxAttempts: number;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

/** A claimed task carries the fencing token its holder must send with every write. */
export interface ClaimedTask extends Task {
  claimToken: string;
}

export interface TaskUpdate {
  id: string;
  taskId: string;
  agentName: string | null;
  updateType: UpdateType;
  message: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface Agent {
  id: string;
  name: string;
  type: AgentType;
  description: string | null;
  capabilities: string[];
  status: AgentStatus;
  currentTaskId: string | null;
  currentTaskNumber: number | null;
  lastSeenAt: Date | null;
  lastHeartbeatAt: Date | null;
  createdAt: Date;
}

export interface HubEvent {
  id: number;
  /**
   * Its place in the order events were published in (event_feed.seq): what a stream resumes
   * from. Set on events that come from the outbox relay or the cluster feed.
   */
  seq?: number;
  type: string;
  entityType: string | null;
  entityId: string | null;
  actor: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export interface Page<T> {
  items: T[];
  /** pass back to get the next page; absent on the last page */
  nextCursor?: string;
}

/** The last argument of every mutation: who asks, and (tests, replays) what time it is. */
export interface OpOptions {
  actor: Actor;
  /** defaults to the database's clock */
  now?: Date;
}

/** Lease and attempt defaults (LEASE_SECONDS, MAX_ATTEMPTS, AGENT_OFFLINE_SECONDS). */
export interface CoreSettings {
  leaseSeconds: number;
  maxAttempts: number;
  agentOfflineSeconds: number;
}

/** A task's UUID, its number, or its number as "12" / "#12". */
export type TaskRef = string | number;
/** A project's UUID or its name (case-insensitive). */
export type ProjectRef = string;
/** An integer 0–100 or a name (low 25, medium 50, high 75, critical 100). */
export type PriorityInput = number | PriorityName | string;

export interface Artifact {
  id: string;
  taskId: string | null;
  projectId: string | null;
  name: string;
  kind: string;
  uri: string;
  mimeType: string | null;
  sizeBytes: number | null;
  checksum: string | null;
  metadata: Record<string, unknown>;
  createdBy: string | null;
  createdAt: Date;
}

export interface Tool {
  id: string;
  name: string;
  description: string | null;
  inputSchema: Record<string, unknown>;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** An API key as listed: never the key itself nor its hash. */
export interface ApiKeyInfo {
  id: string;
  keyPrefix: string;
  agentName: string | null;
  isAdmin: boolean;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface ModelUsage {
  id: number;
  agentName: string | null;
  taskId: string | null;
  provider: string | null;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  createdAt: Date;
}

export interface UsageTotals {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
}

export interface UsageSummary {
  total: UsageTotals;
  byAgent: Array<UsageTotals & { agentName: string | null }>;
  byModel: Array<UsageTotals & { model: string }>;
  /** day is the UTC date, YYYY-MM-DD */
  byDay: Array<UsageTotals & { day: string }>;
}
