import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { inTransaction, mapDbErrors } from "./db-errors.ts";
import { emitEvent } from "./events.ts";
import { resolveProjectId } from "./projects.ts";
import { requireUuid } from "./refs.ts";
import { type ArtifactRow, artifactFromRow } from "./rows.ts";
import { loadTaskRow } from "./task-queries.ts";
import type { Artifact, OpOptions, ProjectRef, TaskRef } from "./types.ts";
import { jsonObject, jsonParam, optionalText, requireInt, requireText } from "./validate.ts";

export interface NewArtifact {
  taskRef?: TaskRef;
  projectRef?: ProjectRef;
  name: string;
  kind?: string;
  uri: string;
  mimeType?: string;
  sizeBytes?: number;
  checksum?: string;
  metadata?: Record<string, unknown>;
}

/** A file or link a task produced; it joins the task's project unless told otherwise. */
export async function createArtifact(sql: Sql, input: NewArtifact, op: OpOptions): Promise<Artifact> {
  const name = requireText("name", input.name, 500);
  const kind = optionalText("kind", input.kind, 50) ?? "file";
  const uri = requireText("uri", input.uri, 4_000);
  const mimeType = optionalText("mimeType", input.mimeType, 200);
  const size =
    input.sizeBytes === undefined
      ? null
      : requireInt("sizeBytes", input.sizeBytes, 0, Number.MAX_SAFE_INTEGER);
  const checksum = optionalText("checksum", input.checksum, 200);
  const metadata = jsonObject("metadata", input.metadata);
  return inTransaction(sql, async (tx) => {
    const task = input.taskRef === undefined ? undefined : await loadTaskRow(tx, input.taskRef);
    const projectId =
      input.projectRef === undefined
        ? (task?.project_id ?? null)
        : await resolveProjectId(tx, input.projectRef);
    const r = await tx.query<ArtifactRow>(
      `INSERT INTO artifacts (task_id, project_id, name, kind, uri, mime_type, size_bytes, checksum, metadata, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10) RETURNING *`,
      [
        task?.id ?? null,
        projectId,
        name,
        kind,
        uri,
        mimeType,
        size,
        checksum,
        jsonParam(metadata),
        op.actor.name,
      ],
    );
    const artifact = artifactFromRow(r.rows[0] as ArtifactRow);
    await emitEvent(tx, {
      type: "artifact.created",
      entityType: "artifact",
      entityId: artifact.id,
      actor: op.actor,
      payload: {
        artifactId: artifact.id,
        name,
        kind,
        uri,
        taskId: artifact.taskId,
        number: task ? Number(task.number) : null,
        title: task?.title ?? null,
        projectId,
      },
    });
    return artifact;
  });
}

export async function getArtifact(sql: Sql, id: string): Promise<Artifact> {
  const r = await sql.query<ArtifactRow>("SELECT * FROM artifacts WHERE id = $1", [requireUuid("id", id)]);
  const row = r.rows[0];
  if (!row) throw new HubError("not_found", `There is no artifact with id ${id}.`);
  return artifactFromRow(row);
}

export async function listArtifacts(sql: Sql, f: { taskRef?: TaskRef } = {}): Promise<Artifact[]> {
  return mapDbErrors(async () => {
    const taskId = f.taskRef === undefined ? null : (await loadTaskRow(sql, f.taskRef)).id;
    const r = await sql.query<ArtifactRow>(
      "SELECT * FROM artifacts WHERE ($1::uuid IS NULL OR task_id = $1) ORDER BY created_at DESC, id LIMIT 500",
      [taskId],
    );
    return r.rows.map(artifactFromRow);
  });
}
