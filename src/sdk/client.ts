import { randomUUID } from "node:crypto";
import { AgentOpsApiError } from "./errors.ts";
import { sleep } from "./sleep.ts";
import type {
  Agent,
  Artifact,
  BatchCompleteResult,
  ClaimedTask,
  HubEvent,
  ModelUsage,
  NewTask,
  Priority,
  Project,
  ProjectProgress,
  Task,
  TaskChanges,
  TaskFilter,
  TaskUpdate,
  Tool,
  UpdateType,
  UsageSummary,
} from "./types.ts";

export interface AgentOpsClientOptions {
  baseUrl: string;
  apiKey: string;
  /** attempts after the first on 429/503 (and network errors for idempotent calls); default 4 */
  retries?: number;
  /** first backoff; doubles with jitter up to maxBackoffMs. Default 200 ms */
  backoffMs?: number;
  maxBackoffMs?: number;
  fetch?: typeof fetch;
}

interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** safe to resend after a network error (reads, heartbeats, creates with an Idempotency-Key) */
  idempotent?: boolean;
  /** sends an Idempotency-Key (generated once per call unless given) so retries never create twice */
  idempotencyKey?: string | true;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

const seg = (v: string | number) => encodeURIComponent(String(v));

/**
 * The hub's REST API, typed. Errors are AgentOpsApiError {status, code, message}; 429 and 503
 * are retried with backoff (honouring Retry-After), and network failures too when the call is
 * safe to repeat.
 */
export class AgentOpsClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: AgentOpsClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.apiKey = opts.apiKey;
    this.retries = opts.retries ?? 4;
    this.backoffMs = opts.backoffMs ?? 200;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5_000;
    this.fetchImpl = opts.fetch ?? fetch;
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.apiKey}`,
      accept: "application/json",
    };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    Object.assign(headers, opts.headers);
    if (opts.idempotencyKey) {
      headers["idempotency-key"] = opts.idempotencyKey === true ? randomUUID() : opts.idempotencyKey;
    }
    const idempotent = opts.idempotent ?? (method === "GET" || Boolean(opts.idempotencyKey));
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);

    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchImpl(url, {
          method,
          headers,
          ...(body === undefined ? {} : { body }),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
      } catch (e) {
        if (opts.signal?.aborted) throw e;
        if (!idempotent || attempt >= this.retries) {
          throw new AgentOpsApiError(0, "network", `${method} ${path}: ${unreachable(this.baseUrl, e)}`);
        }
        await sleep(this.backoff(attempt), opts.signal);
        continue;
      }
      if (res.ok) {
        const text = await res.text();
        return (text ? JSON.parse(text) : undefined) as T;
      }
      const error = await readError(res);
      if ((res.status === 429 || res.status === 503) && attempt < this.retries) {
        const retryAfter = Number(res.headers.get("retry-after"));
        await sleep(
          Number.isFinite(retryAfter) && retryAfter > 0
            ? Math.min(retryAfter * 1000, 60_000)
            : this.backoff(attempt),
          opts.signal,
        );
        if (opts.signal?.aborted) throw error;
        continue;
      }
      throw error;
    }
  }

  private backoff(attempt: number) {
    const base = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** attempt);
    return base / 2 + Math.random() * (base / 2);
  }

  // projects
  async createProject(p: {
    name: string;
    description?: string | null;
    priority?: Priority;
    metadata?: Record<string, unknown>;
  }) {
    return (
      await this.request<{ project: Project }>("POST", "/v1/projects", { body: p, idempotencyKey: true })
    ).project;
  }
  async listProjects(status?: Project["status"]) {
    return (await this.request<{ projects: ProjectProgress[] }>("GET", "/v1/projects", { query: { status } }))
      .projects;
  }
  async getProject(ref: string) {
    return this.request<{ project: Project; progress: ProjectProgress }>("GET", `/v1/projects/${seg(ref)}`);
  }
  async updateProject(
    ref: string,
    changes: Partial<Pick<Project, "name" | "description" | "metadata" | "status">> & { priority?: Priority },
  ) {
    return (await this.request<{ project: Project }>("PATCH", `/v1/projects/${seg(ref)}`, { body: changes }))
      .project;
  }

  // tasks
  async createTask(t: NewTask, opts: { idempotencyKey?: string } = {}) {
    return (
      await this.request<{ task: Task }>("POST", "/v1/tasks", {
        body: t,
        idempotencyKey: opts.idempotencyKey ?? true,
      })
    ).task;
  }
  async listTasks(f: TaskFilter = {}) {
    const r = await this.request<{ tasks: Task[]; next_cursor?: string }>("GET", "/v1/tasks", {
      query: {
        status: Array.isArray(f.status) ? f.status.join(",") : f.status,
        project: f.project,
        assignee: f.assignee,
        priority: f.priority,
        search: f.search,
        limit: f.limit,
        cursor: f.cursor,
      },
    });
    return { tasks: r.tasks, nextCursor: r.next_cursor };
  }
  async getTask(ref: string | number) {
    return (await this.request<{ task: Task }>("GET", `/v1/tasks/${seg(ref)}`)).task;
  }
  async updateTask(ref: string | number, changes: TaskChanges) {
    return (await this.request<{ task: Task }>("PATCH", `/v1/tasks/${seg(ref)}`, { body: changes })).task;
  }

  /** The next tasks for this agent; `wait` (seconds, ≤ 30) long-polls for work. */
  async claim(
    opts: {
      limit?: number;
      capabilities?: string[];
      projects?: string[];
      wait?: number;
      signal?: AbortSignal;
    } = {},
  ) {
    const { signal, ...body } = opts;
    const r = await this.request<{ tasks: ClaimedTask[] }>("POST", "/v1/tasks/claim", {
      body,
      ...(signal ? { signal } : {}),
    });
    return r.tasks;
  }
  async claimTask(ref: string | number) {
    return (await this.request<{ task: ClaimedTask }>("POST", `/v1/tasks/${seg(ref)}/claim`, { body: {} }))
      .task;
  }
  async extendLease(ref: string | number, claimToken: string) {
    return (
      await this.request<{ task: Task }>("POST", `/v1/tasks/${seg(ref)}/heartbeat`, {
        body: { claim_token: claimToken },
        idempotent: true,
      })
    ).task;
  }
  async complete(ref: string | number, claimToken: string, result?: unknown) {
    const body = result === undefined ? { claim_token: claimToken } : { claim_token: claimToken, result };
    return (await this.request<{ task: Task }>("POST", `/v1/tasks/${seg(ref)}/complete`, { body })).task;
  }
  /** Completes the task and claims the next ones in the same round trip (a failed claim is `nextError`). */
  async completeAndClaimNext(
    ref: string | number,
    claimToken: string,
    result: unknown,
    next: { limit?: number; capabilities?: string[]; projects?: string[] } = {},
  ) {
    const r = await this.request<{
      task: Task;
      next_tasks: ClaimedTask[];
      next_error?: { code: string; message: string };
    }>("POST", `/v1/tasks/${seg(ref)}/complete`, { body: { claim_token: claimToken, result, next } });
    return { task: r.task, next: r.next_tasks, ...(r.next_error ? { nextError: r.next_error } : {}) };
  }
  async fail(ref: string | number, claimToken: string, error: string) {
    return (
      await this.request<{ task: Task }>("POST", `/v1/tasks/${seg(ref)}/fail`, {
        body: { claim_token: claimToken, error },
      })
    ).task;
  }
  async block(ref: string | number, claimToken: string, reason: string) {
    return (
      await this.request<{ task: Task }>("POST", `/v1/tasks/${seg(ref)}/block`, {
        body: { claim_token: claimToken, reason },
      })
    ).task;
  }
  /** Completes many in one request; each item succeeds or fails on its own. */
  async completeMany(items: Array<{ id: string | number; claim_token: string; result?: unknown }>) {
    return (
      await this.request<{ results: BatchCompleteResult[] }>("POST", "/v1/tasks/complete", {
        body: { tasks: items },
      })
    ).results;
  }
  /** completeMany without the tasks echoed back (`Prefer: return=minimal`): only each outcome. */
  async completeManyMinimal(items: Array<{ id: string | number; claim_token: string; result?: unknown }>) {
    return (
      await this.request<{
        results: Array<
          | Omit<Extract<BatchCompleteResult, { ok: true }>, "task">
          | Extract<BatchCompleteResult, { ok: false }>
        >;
      }>("POST", "/v1/tasks/complete", { body: { tasks: items }, headers: { prefer: "return=minimal" } })
    ).results;
  }
  /**
   * completeManyMinimal, then the next tasks claimed in the same round trip, as a batch worker
   * loops: one request per batch. A failed claim is `nextError`; the completions stand.
   */
  async completeManyAndClaimNext(
    items: Array<{ id: string | number; claim_token: string; result?: unknown }>,
    next: { limit?: number; capabilities?: string[]; projects?: string[] } = {},
  ) {
    const r = await this.request<{
      results: Array<
        Omit<Extract<BatchCompleteResult, { ok: true }>, "task"> | Extract<BatchCompleteResult, { ok: false }>
      >;
      next_tasks: ClaimedTask[];
      next_error?: { code: string; message: string };
    }>("POST", "/v1/tasks/complete", { body: { tasks: items, next }, headers: { prefer: "return=minimal" } });
    return { results: r.results, next: r.next_tasks, ...(r.next_error ? { nextError: r.next_error } : {}) };
  }
  async addUpdate(
    ref: string | number,
    u: { update_type: UpdateType; message: string; data?: Record<string, unknown>; claim_token?: string },
  ) {
    return this.request<{ update: TaskUpdate; task?: Task }>("POST", `/v1/tasks/${seg(ref)}/updates`, {
      body: u,
      idempotencyKey: true,
    });
  }
  async listUpdates(ref: string | number, opts: { limit?: number; before?: string } = {}) {
    return (
      await this.request<{ updates: TaskUpdate[] }>("GET", `/v1/tasks/${seg(ref)}/updates`, {
        query: { limit: opts.limit, before: opts.before },
      })
    ).updates;
  }

  // agents
  async registerAgent(a: {
    name: string;
    type?: Agent["type"];
    capabilities?: string[];
    description?: string | null;
  }) {
    return this.request<{ agent: Agent; api_key: string }>("POST", "/v1/agents/register", {
      body: a,
      idempotencyKey: true,
    });
  }
  async heartbeat(
    name: string,
    h: {
      status?: "idle" | "busy" | "error";
      current_task?: string | number | null;
      capabilities?: string[];
    } = {},
  ) {
    return (
      await this.request<{ agent: Agent }>("POST", `/v1/agents/${seg(name)}/heartbeat`, {
        body: h,
        idempotent: true,
      })
    ).agent;
  }
  async listAgents(status?: Agent["status"]) {
    return (await this.request<{ agents: Agent[] }>("GET", "/v1/agents", { query: { status } })).agents;
  }
  async getAgent(name: string) {
    return (await this.request<{ agent: Agent }>("GET", `/v1/agents/${seg(name)}`)).agent;
  }

  // events
  /**
   * One page of events in the order they were published; pass `nextCursor` back as `since` for
   * the next page, which then holds every event published after this one (none skipped).
   */
  async listEvents(opts: { since?: number; types?: string[]; limit?: number } = {}) {
    const r = await this.request<{ events: HubEvent[]; next_cursor?: string }>("GET", "/v1/events", {
      query: { since: opts.since, type: opts.types?.join(","), limit: opts.limit },
    });
    return { events: r.events, nextCursor: r.next_cursor === undefined ? undefined : Number(r.next_cursor) };
  }

  /**
   * Follows the event stream (SSE), reconnecting with Last-Event-ID after a drop, so no event
   * is missed. Ends when `signal` aborts.
   */
  async *streamEvents(opts: {
    /** an event's `seq` (its place in the order of publication): the events after it first */
    since?: number;
    types?: string[];
    signal: AbortSignal;
  }): AsyncGenerator<HubEvent> {
    let last = opts.since;
    let failures = 0;
    while (!opts.signal.aborted) {
      const url = new URL(`${this.baseUrl}/v1/events/stream`);
      if (opts.types?.length) url.searchParams.set("type", opts.types.join(","));
      const headers: Record<string, string> = {
        authorization: `Bearer ${this.apiKey}`,
        accept: "text/event-stream",
      };
      if (last !== undefined) headers["last-event-id"] = String(last);
      try {
        const res = await this.fetchImpl(url, { headers, signal: opts.signal });
        if (!res.ok) {
          const err = await readError(res);
          if (res.status !== 429 && res.status !== 503) throw err;
          throw Object.assign(err, { retry: true });
        }
        failures = 0;
        for await (const e of parseSse(res)) {
          // the stream resumes from the order of publication, not from event ids
          if (e.seq !== undefined) last = e.seq;
          yield e;
        }
      } catch (e) {
        if (opts.signal.aborted) return;
        if (e instanceof AgentOpsApiError && !(e as { retry?: boolean }).retry) throw e;
      }
      await sleep(this.backoff(failures++), opts.signal);
    }
  }

  // artifacts, tools, model usage
  async createArtifact(a: {
    name: string;
    uri: string;
    task?: string | number;
    project?: string;
    kind?: string;
    mime_type?: string;
    size_bytes?: number;
    checksum?: string;
    metadata?: Record<string, unknown>;
  }) {
    return (
      await this.request<{ artifact: Artifact }>("POST", "/v1/artifacts", { body: a, idempotencyKey: true })
    ).artifact;
  }
  async getArtifact(id: string) {
    return (await this.request<{ artifact: Artifact }>("GET", `/v1/artifacts/${seg(id)}`)).artifact;
  }
  async listTools() {
    return (await this.request<{ tools: Tool[] }>("GET", "/v1/tools")).tools;
  }
  async upsertTool(t: {
    name: string;
    description?: string | null;
    input_schema?: Record<string, unknown>;
    enabled?: boolean;
  }) {
    return (await this.request<{ tool: Tool }>("POST", "/v1/tools", { body: t, idempotent: true })).tool;
  }
  async recordModelUsage(u: {
    model: string;
    prompt_tokens: number;
    completion_tokens: number;
    cost_usd: number;
    agent?: string;
    task?: string | number;
    provider?: string;
  }) {
    return (
      await this.request<{ usage: ModelUsage }>("POST", "/v1/model-usage", { body: u, idempotencyKey: true })
    ).usage;
  }
  async usageSummary(opts: { since?: string; until?: string } = {}) {
    return (await this.request<{ summary: UsageSummary }>("GET", "/v1/model-usage/summary", { query: opts }))
      .summary;
  }
}

async function readError(res: Response): Promise<AgentOpsApiError> {
  const text = await res.text().catch(() => "");
  try {
    const b = JSON.parse(text) as {
      error?: { code?: string; message?: string; details?: Record<string, unknown> };
    };
    if (b.error?.code)
      return new AgentOpsApiError(
        res.status,
        b.error.code,
        b.error.message ?? res.statusText,
        b.error.details,
      );
  } catch {
    // not JSON
  }
  return new AgentOpsApiError(res.status, `http_${res.status}`, text.slice(0, 200) || res.statusText);
}

async function* parseSse(res: Response): AsyncGenerator<HubEvent> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let i = buf.indexOf("\n\n");
    while (i >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = block
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      if (data) {
        const e = JSON.parse(data) as HubEvent | { error: unknown };
        if ("id" in e) yield e;
      }
      i = buf.indexOf("\n\n");
    }
  }
}

// What fetch's "fetch failed" means, from the cause Node gives it.
const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused (is the hub running, on that port?)",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "the host name could not be resolved",
  ECONNRESET: "the connection was reset",
  ETIMEDOUT: "timed out",
  UND_ERR_CONNECT_TIMEOUT: "timed out connecting",
  CERT_HAS_EXPIRED: "its TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "its TLS certificate is self-signed",
};

function unreachable(baseUrl: string, e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const reason =
    (cause?.code && REASONS[cause.code]) ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
  return `cannot reach the hub at ${baseUrl}: ${reason}`;
}
