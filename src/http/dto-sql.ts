/**
 * dto.ts's task answers, built by Postgres as JSON text, for the agents' hot paths: the hub then
 * neither parses the row nor serialises the answer, it passes the text on. Same keys in the
 * same order, same values (test/http/dto-sql.test.ts holds the two to that on both backends).
 */
import type { RowView } from "../core/row-view.ts";
import { isoSql, priorityNameSql } from "../core/task-payload-sql.ts";
import type { Task } from "../core/types.ts";
import { taskDto } from "./dto.ts";
import type { JsonText } from "./json-text.ts";

/** taskDto() of a task row `r` that has `r.project_name`; claimedTaskDto() with the token. */
export function taskDtoSql(r: string, opts: { claimToken?: boolean } = {}): string {
  const fields: [string, string][] = [
    ["id", `${r}.id`],
    ["number", `${r}.number`],
    ["title", `${r}.title`],
    ["description", `${r}.description`],
    ["status", `${r}.status`],
    ["priority", `${r}.priority`],
    ["priority_name", priorityNameSql(`${r}.priority`)],
    ["project_id", `${r}.project_id`],
    ["project_name", `${r}.project_name`],
    ["parent_task_id", `${r}.parent_task_id`],
    ["assigned_to", `${r}.assigned_to`],
    ["required_capabilities", `${r}.required_capabilities`],
    ["input", `CASE WHEN jsonb_typeof(${r}.input) = 'object' THEN ${r}.input ELSE '{}'::jsonb END`],
    ["result", `${r}.result`],
    ["error", `${r}.error`],
    ["blocked_reason", `${r}.blocked_reason`],
    ["due_at", isoSql(`${r}.due_at`)],
    ["claimed_by", `${r}.claimed_by`],
    ["claimed_at", isoSql(`${r}.claimed_at`)],
    ["lease_expires_at", isoSql(`${r}.lease_expires_at`)],
    ["attempts", `${r}.attempts`],
    ["max_attempts", `${r}.max_attempts`],
    ["created_by", `${r}.created_by`],
    ["created_at", isoSql(`${r}.created_at`)],
    ["updated_at", isoSql(`${r}.updated_at`)],
    ["started_at", isoSql(`${r}.started_at`)],
    ["completed_at", isoSql(`${r}.completed_at`)],
    ...(opts.claimToken ? [["claim_token", `coalesce(${r}.claim_token::text, '')`] as [string, string]] : []),
  ];
  // row_to_json keeps the order and writes compact JSON, as the other answers are
  return `(SELECT row_to_json(d)::text FROM (SELECT ${fields.map(([k, v]) => `${v} AS "${k}"`).join(", ")}) d)`;
}

/** Claimed tasks answered as claimedTaskDto() JSON texts. */
export const claimedTaskJson: RowView<JsonText> = {
  key: "_json",
  select: `${taskDtoSql("r", { claimToken: true })} AS dto`,
  map: (row: { dto: string }) => row.dto as JsonText,
};

/** Changed tasks answered as taskDto() JSON texts. */
export const taskJson: RowView<JsonText> = {
  key: "_json",
  select: `${taskDtoSql("r")} AS dto`,
  map: (row: { dto: string }) => row.dto as JsonText,
};

/** taskDto() as JSON text, for a task a path other than these statements gave. */
export const taskDtoJson = (task: Task) => JSON.stringify(taskDto(task)) as JsonText;
