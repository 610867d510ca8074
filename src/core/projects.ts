import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { inTransaction, mapDbErrors } from "./db-errors.ts";
import { diff } from "./diff.ts";
import { emitEvent } from "./events.ts";
import { parsePriority, priorityName } from "./priority.ts";
import { isUuid } from "./refs.ts";
import { type ProgressRow, type ProjectRow, progressFromRow, projectFromRow } from "./rows.ts";
import { matchName } from "./text-match.ts";
import type {
  OpOptions,
  PriorityInput,
  Project,
  ProjectProgress,
  ProjectRef,
  ProjectStatus,
} from "./types.ts";
import { jsonObject, optionalText, requireText } from "./validate.ts";

const PROJECT_STATUSES: readonly ProjectStatus[] = ["active", "paused", "completed", "cancelled"];
const NAME_MAX = 200;
const DESCRIPTION_MAX = 20_000;

export interface NewProject {
  name: string;
  description?: string | null;
  priority?: PriorityInput;
  metadata?: Record<string, unknown>;
}

export async function createProject(sql: Sql, input: NewProject, op: OpOptions): Promise<Project> {
  const name = requireText("name", input.name, NAME_MAX);
  const description = optionalText("description", input.description, DESCRIPTION_MAX);
  const priority = input.priority === undefined ? 50 : parsePriority(input.priority);
  const metadata = jsonObject("metadata", input.metadata);
  return inTransaction(sql, async (tx) => {
    await assertNameFree(tx, name);
    const r = await tx.query<ProjectRow>(
      `INSERT INTO projects (name, description, priority, metadata) VALUES ($1, $2, $3, $4::text::jsonb)
       RETURNING *`,
      [name, description, priority, JSON.stringify(metadata)],
    );
    const project = projectFromRow(r.rows[0] as ProjectRow);
    await emitEvent(tx, {
      type: "project.created",
      entityType: "project",
      entityId: project.id,
      actor: op.actor,
      payload: projectPayload(project),
    });
    return project;
  });
}

export async function listProjects(sql: Sql, f: { status?: ProjectStatus } = {}): Promise<ProjectProgress[]> {
  if (f.status !== undefined) assertStatus(f.status);
  const r = await sql.query<ProgressRow>(
    `SELECT * FROM project_progress WHERE ($1::text IS NULL OR status = $1) ORDER BY priority DESC, lower(name)`,
    [f.status ?? null],
  );
  return r.rows.map(progressFromRow);
}

export async function getProject(sql: Sql, ref: ProjectRef): Promise<Project> {
  return mapDbErrors(async () => projectFromRow(await findProjectRow(sql, ref, false)));
}

export async function getProjectProgress(sql: Sql, ref: ProjectRef): Promise<ProjectProgress> {
  const project = await getProject(sql, ref);
  const r = await sql.query<ProgressRow>("SELECT * FROM project_progress WHERE id = $1", [project.id]);
  return progressFromRow(r.rows[0] as ProgressRow);
}

/** Closest names first: exact, prefix, contains, then similar; open projects before closed ones. */
export async function findProjects(sql: Sql, text: string, limit = 5): Promise<Project[]> {
  const r = await sql.query<ProjectRow>("SELECT * FROM projects");
  const open = (p: ProjectRow) => (p.status === "active" || p.status === "paused" ? 0 : 1);
  return r.rows
    .map((row) => ({ row, m: matchName(text, row.name) }))
    .filter((x): x is { row: ProjectRow; m: NonNullable<typeof x.m> } => x.m !== undefined)
    .sort(
      (a, b) =>
        a.m.rank - b.m.rank ||
        open(a.row) - open(b.row) ||
        b.m.score - a.m.score ||
        b.row.priority - a.row.priority ||
        a.row.name.localeCompare(b.row.name),
    )
    .slice(0, Math.max(1, limit))
    .map((x) => projectFromRow(x.row));
}

export interface ProjectChanges {
  name?: string;
  description?: string | null;
  priority?: PriorityInput;
  metadata?: Record<string, unknown>;
}

export async function updateProject(
  sql: Sql,
  ref: ProjectRef,
  ch: ProjectChanges,
  op: OpOptions,
): Promise<Project> {
  const name = ch.name === undefined ? undefined : requireText("name", ch.name, NAME_MAX);
  const description =
    ch.description === undefined ? undefined : optionalText("description", ch.description, DESCRIPTION_MAX);
  const priority = ch.priority === undefined ? undefined : parsePriority(ch.priority);
  const metadata = ch.metadata === undefined ? undefined : jsonObject("metadata", ch.metadata);
  return inTransaction(sql, async (tx) => {
    const before = projectFromRow(await findProjectRow(tx, ref, true));
    if (
      name !== undefined &&
      name.toLowerCase() !== before.name.toLowerCase() &&
      before.status === "active"
    ) {
      await assertNameFree(tx, name, before.id);
    }
    const r = await tx.query<ProjectRow>(
      `UPDATE projects SET
         name = coalesce($2, name),
         description = CASE WHEN $3::boolean THEN $4 ELSE description END,
         priority = coalesce($5, priority),
         metadata = coalesce($6::text::jsonb, metadata)
       WHERE id = $1 RETURNING *`,
      [
        before.id,
        name ?? null,
        description !== undefined,
        description ?? null,
        priority ?? null,
        metadata === undefined ? null : JSON.stringify(metadata),
      ],
    );
    const project = projectFromRow(r.rows[0] as ProjectRow);
    const changes = diff(before, project, ["name", "description", "priority", "metadata"]);
    if (Object.keys(changes).length > 0) {
      await emitEvent(tx, {
        type: "project.updated",
        entityType: "project",
        entityId: project.id,
        actor: op.actor,
        payload: { ...projectPayload(project), changes },
      });
    }
    return project;
  });
}

const STATUS_EVENT: Record<ProjectStatus, string> = {
  active: "project.resumed",
  paused: "project.paused",
  completed: "project.completed",
  cancelled: "project.cancelled",
};

/**
 * Pause, resume, complete or cancel. Tasks keep their status: the claim query skips tasks of
 * paused and cancelled projects, so undo is just setting the status back.
 */
export async function setProjectStatus(
  sql: Sql,
  ref: ProjectRef,
  status: ProjectStatus,
  op: OpOptions,
): Promise<{ project: Project; previousStatus: ProjectStatus }> {
  assertStatus(status);
  return inTransaction(sql, async (tx) => {
    const before = projectFromRow(await findProjectRow(tx, ref, true));
    if (before.status === status) return { project: before, previousStatus: before.status };
    if (status === "active") await assertNameFree(tx, before.name, before.id);
    const r = await tx.query<ProjectRow>(
      `UPDATE projects SET status = $2,
         completed_at = CASE WHEN $2 = 'completed' THEN coalesce($3::timestamptz, now()) ELSE NULL END
       WHERE id = $1 RETURNING *`,
      [before.id, status, op.now ?? null],
    );
    const project = projectFromRow(r.rows[0] as ProjectRow);
    await emitEvent(tx, {
      type: STATUS_EVENT[status],
      entityType: "project",
      entityId: project.id,
      actor: op.actor,
      payload: { ...projectPayload(project), previousStatus: before.status },
    });
    return { project, previousStatus: before.status };
  });
}

/** The project's id, for callers that only filter or link by it. */
export async function resolveProjectId(sql: Sql, ref: ProjectRef): Promise<string> {
  return (await findProjectRow(sql, ref, false)).id;
}

/**
 * By UUID, else by name ignoring case; when names repeat (a cancelled project and its
 * successor) the open, most recent one wins.
 */
async function findProjectRow(sql: Sql, ref: ProjectRef, lock: boolean): Promise<ProjectRow> {
  if (typeof ref !== "string" || ref.trim() === "") {
    throw new HubError("validation", "A project is named by its name or its id.", {
      details: { field: "project" },
    });
  }
  const key = ref.trim();
  const forUpdate = lock ? "FOR UPDATE" : "";
  const r = isUuid(key)
    ? await sql.query<ProjectRow>(`SELECT * FROM projects WHERE id = $1 ${forUpdate}`, [key])
    : await sql.query<ProjectRow>(
        `SELECT * FROM projects WHERE lower(name) = lower($1)
         ORDER BY (status IN ('active', 'paused')) DESC, created_at DESC LIMIT 1 ${forUpdate}`,
        [key],
      );
  const row = r.rows[0];
  if (!row)
    throw new HubError("not_found", `There is no project named ${JSON.stringify(key)}.`, {
      details: { project: key },
    });
  return row;
}

/**
 * Names are unique among active projects. There is no index for it (older databases may hold
 * duplicates), so a transaction-scoped advisory lock on the name serialises the check.
 */
async function assertNameFree(tx: Sql, name: string, exceptId?: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('project-name:' || lower($1)))", [name]);
  const r = await tx.query<{ id: string }>(
    `SELECT id FROM projects WHERE lower(name) = lower($1) AND status = 'active' AND ($2::uuid IS NULL OR id <> $2)`,
    [name, exceptId ?? null],
  );
  if (r.rows.length > 0) {
    throw new HubError("conflict", `There is already an active project named ${JSON.stringify(name)}.`, {
      details: { project: name },
    });
  }
}

function assertStatus(status: unknown): asserts status is ProjectStatus {
  if (!PROJECT_STATUSES.includes(status as ProjectStatus)) {
    throw new HubError(
      "validation",
      `Project status must be one of ${PROJECT_STATUSES.join(", ")}; got ${JSON.stringify(status)}.`,
    );
  }
}

export const projectPayload = (p: Project) => ({
  projectId: p.id,
  name: p.name,
  status: p.status,
  priority: p.priority,
  priorityName: priorityName(p.priority),
});
