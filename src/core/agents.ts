import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { createApiKey } from "./api-keys.ts";
import { inTransaction } from "./db-errors.ts";
import { emitEvent, emitEvents } from "./events.ts";
import { type AgentRow, agentFromRow } from "./rows.ts";
import { loadTaskRow } from "./task-queries.ts";
import type { Actor, Agent, AgentStatus, AgentType, CoreSettings, OpOptions, TaskRef } from "./types.ts";
import { nameList, optionalText } from "./validate.ts";

const AGENT_TYPES: readonly AgentType[] = ["chief_of_staff", "worker", "specialist"];
const AGENT_STATUSES: readonly AgentStatus[] = ["idle", "busy", "offline", "error"];
// Names appear in URLs, events and messages: keep them plain.
const AGENT_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/i;

const AGENT_SELECT = `SELECT a.*, ct.number AS current_task_number
  FROM agents a LEFT JOIN tasks ct ON ct.id = a.current_task_id`;

export interface NewAgent {
  name: string;
  type?: AgentType;
  capabilities?: string[];
  description?: string | null;
}

/** A new agent, with its first API key when asked: the only time the key is ever shown. */
export async function registerAgent(
  sql: Sql,
  input: NewAgent,
  op: OpOptions,
  opts: { issueKey?: boolean } = {},
): Promise<{ agent: Agent; apiKey?: string }> {
  const name = agentName(input.name);
  const type = input.type ?? "worker";
  if (!AGENT_TYPES.includes(type)) {
    throw new HubError(
      "validation",
      `Agent type must be one of ${AGENT_TYPES.join(", ")}; got ${JSON.stringify(type)}.`,
    );
  }
  const caps = input.capabilities === undefined ? [] : nameList("capabilities", input.capabilities);
  const description = optionalText("description", input.description, 2_000);
  return inTransaction(sql, async (tx) => {
    const existing = await tx.query("SELECT 1 FROM agents WHERE name = $1", [name]);
    if (existing.rows.length > 0) {
      throw new HubError("conflict", `An agent named ${JSON.stringify(name)} already exists.`, {
        details: { agent: name },
      });
    }
    await tx.query(
      "INSERT INTO agents (name, type, capabilities, description) VALUES ($1, $2, $3::text[], $4)",
      [name, type, caps, description],
    );
    const agent = await loadAgent(tx, name);
    await emitEvent(tx, {
      type: "agent.registered",
      entityType: "agent",
      entityId: agent.name,
      actor: op.actor,
      payload: { agent: agent.name, type: agent.type, capabilities: agent.capabilities },
    });
    if (!opts.issueKey) return { agent };
    const key = await createApiKey(tx, { agentName: name }, { label: "registration" });
    return { agent, apiKey: key.key };
  });
}

/**
 * An agent says it is alive: records the time, its status (busy with currentTask, else idle
 * unless told) and capabilities, and extends the leases it holds. Coming back from offline
 * is an event; a routine heartbeat is not.
 */
export async function heartbeatAgent(
  sql: Sql,
  name: string,
  input: { status?: AgentStatus; currentTask?: TaskRef | null; capabilities?: string[] },
  settings: Pick<CoreSettings, "leaseSeconds">,
): Promise<Agent> {
  if (input.status !== undefined && (!AGENT_STATUSES.includes(input.status) || input.status === "offline")) {
    throw new HubError(
      "validation",
      `A heartbeat's status must be idle, busy or error; got ${JSON.stringify(input.status)}.`,
    );
  }
  const caps = input.capabilities === undefined ? null : nameList("capabilities", input.capabilities);
  return inTransaction(sql, async (tx) => {
    const before = await loadAgent(tx, name, true);
    const currentTaskId = input.currentTask == null ? null : (await loadTaskRow(tx, input.currentTask)).id;
    const status = input.status ?? (currentTaskId ? "busy" : "idle");
    await tx.query(
      `UPDATE agents SET last_heartbeat_at = now(), last_seen_at = now(), status = $2, current_task_id = $3,
         capabilities = coalesce($4::text[], capabilities)
       WHERE name = $1`,
      [before.name, status, currentTaskId, caps],
    );
    await tx.query(
      `UPDATE tasks SET lease_expires_at = now() + make_interval(secs => $2::double precision)
       WHERE claimed_by = $1 AND claim_token IS NOT NULL AND status IN ('in_progress', 'blocked')`,
      [before.name, settings.leaseSeconds],
    );
    const agent = await loadAgent(tx, before.name);
    if (before.status === "offline") {
      await emitEvent(tx, {
        type: "agent.online",
        entityType: "agent",
        entityId: agent.name,
        actor: { kind: "agent", name: agent.name },
        payload: { agent: agent.name, status: agent.status, offlineSince: before.lastHeartbeatAt },
      });
    }
    return agent;
  });
}

/** An agent's tasks in progress under its claim: how many, and the first by number. */
export interface HeldTasks {
  count: number;
  first: number;
}

/**
 * What agents hold, read from the claims: an agent that claims and completes without heartbeats
 * is working all the same. One pass over the tasks in progress (a range of idx_tasks_status).
 */
export async function heldTasksByAgent(sql: Sql, agent?: string): Promise<Map<string, HeldTasks>> {
  const r = await sql.query<{ agent: string; n: number; first: number }>(
    `SELECT claimed_by AS agent, count(*)::int AS n, min(number) AS first FROM tasks
     WHERE status = 'in_progress' AND claimed_by IS NOT NULL AND ($1::text IS NULL OR claimed_by = $1)
     GROUP BY claimed_by`,
    [agent ?? null],
  );
  return new Map(r.rows.map((row) => [row.agent, { count: Number(row.n), first: Number(row.first) }]));
}

export async function listAgents(sql: Sql, f: { status?: AgentStatus } = {}): Promise<Agent[]> {
  if (f.status !== undefined && !AGENT_STATUSES.includes(f.status)) {
    throw new HubError("validation", `Agent status must be one of ${AGENT_STATUSES.join(", ")}.`);
  }
  const r = await sql.query<AgentRow>(
    `${AGENT_SELECT} WHERE ($1::text IS NULL OR a.status = $1) ORDER BY a.name`,
    [f.status ?? null],
  );
  return r.rows.map(agentFromRow);
}

export async function getAgent(sql: Sql, name: string): Promise<Agent> {
  return loadAgent(sql, name);
}

const OFFLINE_ACTOR: Actor = { kind: "system", name: "presence" };

/**
 * Agents silent for longer than the window go offline, once: an agent already offline is
 * not marked (nor announced) again. One that never sent a heartbeat counts from its creation.
 */
export async function markOfflineAgents(
  sql: Sql,
  settings: Pick<CoreSettings, "agentOfflineSeconds">,
  opts: { now?: Date } = {},
): Promise<Agent[]> {
  return inTransaction(sql, async (tx) => {
    const r = await tx.query<{ name: string; last_heartbeat_at: Date | null }>(
      `UPDATE agents SET status = 'offline'
       WHERE status <> 'offline'
         AND coalesce(last_heartbeat_at, last_seen_at, created_at)
             < coalesce($1::timestamptz, now()) - make_interval(secs => $2::double precision)
       RETURNING name, last_heartbeat_at`,
      [opts.now ?? null, settings.agentOfflineSeconds],
    );
    if (r.rows.length === 0) return [];
    const names = r.rows.map((x) => x.name);
    await emitEvents(
      tx,
      r.rows.map((x) => ({
        type: "agent.offline",
        entityType: "agent",
        entityId: x.name,
        actor: OFFLINE_ACTOR,
        payload: { agent: x.name, lastHeartbeatAt: x.last_heartbeat_at },
      })),
    );
    const agents = await tx.query<AgentRow>(
      `${AGENT_SELECT} WHERE a.name = ANY($1::text[]) ORDER BY a.name`,
      [names],
    );
    return agents.rows.map(agentFromRow);
  });
}

async function loadAgent(sql: Sql, name: string, lock = false): Promise<Agent> {
  if (typeof name !== "string" || name.trim() === "") {
    throw new HubError("validation", "An agent is named by its name.", { details: { field: "agent" } });
  }
  const r = await sql.query<AgentRow>(`${AGENT_SELECT} WHERE a.name = $1 ${lock ? "FOR UPDATE OF a" : ""}`, [
    name.trim(),
  ]);
  const row = r.rows[0];
  if (!row)
    throw new HubError("not_found", `There is no agent named ${JSON.stringify(name)}.`, {
      details: { agent: name },
    });
  return agentFromRow(row);
}

function agentName(v: unknown): string {
  const s = typeof v === "string" ? v.trim() : "";
  if (!AGENT_NAME.test(s)) {
    throw new HubError(
      "validation",
      `An agent name is 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit; got ${JSON.stringify(v)}.`,
      { details: { field: "name" } },
    );
  }
  return s;
}
