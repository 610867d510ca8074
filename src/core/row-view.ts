import { claimedTaskFromRow, type TaskRow, taskFromRow } from "./rows.ts";
import type { ClaimedTask, Task } from "./types.ts";

/**
 * What a hot-path statement (claim, complete) gives back for each task it changed: a select list
 * over the changed row `r` (the task's columns plus `r.project_name`), and what JS makes of a
 * result row. The REST API takes JSON built by Postgres; everything else takes rows.
 */
export interface RowView<T> {
  /** tells the view's prepared statements apart: "" for rows */
  readonly key: string;
  readonly select: string;
  // biome-ignore lint/suspicious/noExplicitAny: a row of the view's own select list
  map(row: any): T;
}

export const TASK_ROWS: RowView<TaskRow> = { key: "", select: "r.*", map: (row: TaskRow) => row };
export const TASKS: RowView<Task> = { key: "", select: "r.*", map: taskFromRow };
export const CLAIMED_TASKS: RowView<ClaimedTask> = { key: "", select: "r.*", map: claimedTaskFromRow };

/** Nothing but that the task changed: for a caller that needs only the outcome. */
export const NOTHING: RowView<undefined> = {
  key: "_nothing",
  select: "NULL::text AS dto",
  map: () => undefined,
};

/** Statement text per view, so one prepared-statement name always names one text. */
export function perView(build: (select: string) => string) {
  const texts = new Map<string, string>();
  return (view: RowView<unknown>) => {
    let text = texts.get(view.key);
    if (text === undefined) {
      text = build(view.select);
      texts.set(view.key, text);
    }
    return text;
  };
}
