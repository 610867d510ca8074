// The API's JSON, as it travels (snake_case).

export type TaskStatus = "pending" | "in_progress" | "blocked" | "completed" | "failed" | "cancelled";
export type PriorityName = "low" | "medium" | "high" | "critical";
export type Priority = number | PriorityName;
export type UpdateType = "progress" | "note" | "question" | "answer" | "status_change" | "comment" | "error";

export interface Task {
  id: string;
  number: number;
  title: string;
  description: string | null;
  status: TaskStatus;
  priority: number;
  priority_name: PriorityName;
  project_id: string | null;
  project_name: string | null;
  parent_task_id: string | null;
  assigned_to: string | null;
  required_capabilities: string[];
  input: Record<string, unknown>;
  result: unknown;
  error: string | null;
  blocked_reason: string | null;
  due_at: string | null;
  claimed_by: string | null;
  claimed_at: string | null;
  lease_expires_at: string | null;
  attempts: number;
  max_attempts: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
}

export interface ClaimedTask extends Task {
  claim_token: string;
}

export interface NewTask {
  title: string;
  description?: string | null;
  project?: string | null;
  priority?: Priority;
  due_at?: string | null;
  assigned_to?: string | null;
  required_capabilities?: string[];
  input?: Record<string, unknown>;
  max_attempts?: number;
  parent_task?: string | number | null;
}

export interface TaskChanges {
  title?: string;
  description?: string | null;
  priority?: Priority;
  due_at?: string | null;
  project?: string | null;
  input?: Record<string, unknown>;
  assigned_to?: string | null;
  claim_token?: string;
}

export interface TaskFilter {
  status?: TaskStatus | TaskStatus[];
  project?: string;
  /** an agent name, or "none" */
  assignee?: string;
  priority?: PriorityName | number;
  search?: string;
  limit?: number;
  cursor?: string;
}

export interface TaskUpdate {
  id: string;
  task_id: string;
  agent_name: string | null;
  update_type: UpdateType;
  message: string;
  data: Record<string, unknown>;
  created_at: string;
}

export interface Project {
  id: string;
  name: string;
  description: string | null;
  status: "active" | "paused" | "completed" | "cancelled";
  priority: number;
  priority_name: PriorityName;
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface ProjectProgress {
  id: string;
  name: string;
  status: Project["status"];
  priority: number;
  priority_name: PriorityName;
  total_tasks: number;
  completed_tasks: number;
  in_progress_tasks: number;
  blocked_tasks: number;
  pending_tasks: number;
  failed_tasks: number;
  percent_complete: number;
}

export interface Agent {
  id: string;
  name: string;
  type: "chief_of_staff" | "worker" | "specialist";
  description: string | null;
  capabilities: string[];
  status: "idle" | "busy" | "offline" | "error";
  current_task_id: string | null;
  current_task_number: number | null;
  last_seen_at: string | null;
  last_heartbeat_at: string | null;
  created_at: string;
}

export interface HubEvent {
  id: number;
  /** its place in the order events were published in: what a stream resumes from */
  seq?: number;
  type: string;
  entity_type: string | null;
  entity_id: string | null;
  actor: string | null;
  payload: Record<string, unknown>;
  created_at: string;
}

export interface Artifact {
  id: string;
  task_id: string | null;
  project_id: string | null;
  name: string;
  kind: string;
  uri: string;
  mime_type: string | null;
  size_bytes: number | null;
  checksum: string | null;
  metadata: Record<string, unknown>;
  created_by: string | null;
  created_at: string;
}

export interface Tool {
  id: string;
  name: string;
  description: string | null;
  input_schema: Record<string, unknown>;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface ModelUsage {
  id: number;
  agent_name: string | null;
  task_id: string | null;
  provider: string | null;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  created_at: string;
}

export interface UsageTotals {
  calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_usd: number;
}

export interface UsageSummary {
  total: UsageTotals;
  by_agent: Array<UsageTotals & { agent_name: string | null }>;
  by_model: Array<UsageTotals & { model: string }>;
  by_day: Array<UsageTotals & { day: string }>;
}

export type BatchCompleteResult =
  | { id: string | number; ok: true; task: Task }
  | { id: string | number; ok: false; error: { code: string; message: string } };
