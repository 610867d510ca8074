import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { parseTaskRef } from "./refs.ts";
import type { TaskRow } from "./rows.ts";
import type { TaskRef } from "./types.ts";

/** Every task read joins its project's name: notifications and replies always want it. */
export const TASK_SELECT =
  "SELECT t.*, p.name AS project_name FROM tasks t LEFT JOIN projects p ON p.id = t.project_id";

/** An `UPDATE tasks … ` / `INSERT INTO tasks …` statement, returning full rows with the project name. */
export const returningTask = (statement: string, orderBy = "") =>
  `WITH t AS (${statement} RETURNING *)
   SELECT t.*, p.name AS project_name FROM t LEFT JOIN projects p ON p.id = t.project_id ${orderBy}`;

/** The row behind a ref; `lock` takes the row lock every read-modify-write needs. */
export async function loadTaskRow(sql: Sql, ref: TaskRef, opts: { lock?: boolean } = {}): Promise<TaskRow> {
  const p = parseTaskRef(ref);
  const r = await sql.query<TaskRow>(
    `${TASK_SELECT} WHERE ${"id" in p ? "t.id = $1" : "t.number = $1"} ${opts.lock ? "FOR UPDATE OF t" : ""}`,
    ["id" in p ? p.id : p.number],
  );
  const row = r.rows[0];
  if (!row) {
    const what = "id" in p ? `with id ${p.id}` : p.number;
    throw new HubError("not_found", `Task ${what} was not found.`, { details: { task: String(ref) } });
  }
  return row;
}

/** Update one task by id and return its new row. */
export async function updateTaskRow(
  sql: Sql,
  id: string,
  set: string,
  params: readonly unknown[],
): Promise<TaskRow> {
  const r = await sql.query<TaskRow>(returningTask(`UPDATE tasks SET ${set} WHERE id = $1`), [id, ...params]);
  return r.rows[0] as TaskRow;
}

export async function requireAgentExists(sql: Sql, name: string): Promise<void> {
  const r = await sql.query("SELECT 1 FROM agents WHERE name = $1", [name]);
  if (r.rows.length === 0) {
    throw new HubError("not_found", `There is no agent named ${JSON.stringify(name)}.`, {
      details: { agent: name },
    });
  }
}
