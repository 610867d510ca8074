/**
 * `taskPayload` in SQL, for the hot paths (claim, complete) that write their event in the same
 * statement as the change: one round trip instead of five. Every key and value must be what
 * `taskPayload(taskFromRow(row))` gives once stored as jsonb (test/core/task-fast-paths.test.ts
 * compares them on both backends), so the notifier cannot tell which path wrote an event.
 */

/**
 * A timestamptz as `Date.prototype.toISOString()` prints the `Date` both drivers make of it:
 * UTC, milliseconds truncated (the drivers drop the microseconds the same way), `Z`.
 */
export const isoSql = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** priorityName() of priority.ts; the thresholds must stay the same. */
export const priorityNameSql = (col: string) =>
  `CASE WHEN ${col} >= 88 THEN 'critical' WHEN ${col} >= 63 THEN 'high'
        WHEN ${col} >= 38 THEN 'medium' ELSE 'low' END`;

/**
 * The common task keys of taskPayload, for the task row alias `t` and its project name, and
 * `more` keys and values (SQL, as jsonb_build_object takes them): one object built once, not
 * objects joined with `||`, which builds each again.
 */
export const taskPayloadSql = (t: string, projectName: string, more = "") => `jsonb_build_object(
  'taskId', ${t}.id, 'number', ${t}.number, 'title', ${t}.title, 'status', ${t}.status,
  'projectId', ${t}.project_id, 'projectName', ${projectName}, 'priority', ${t}.priority,
  'priorityName', ${priorityNameSql(`${t}.priority`)}, 'assignedTo', ${t}.assigned_to,
  'holder', ${t}.claimed_by, 'dueAt', ${isoSql(`${t}.due_at`)}${more ? `, ${more}` : ""})`;

/**
 * A JSON value as it comes back from a jsonb column, given its JSON text: jsonb keeps object
 * keys shorter first, then bytewise, and the driver's JSON.parse keeps that order (integer-like
 * keys aside, which JSON.parse puts first either way). `summarize(result)` in an event reads
 * the stored result, so a path that summarises before storing must summarise this.
 */
export function asStoredJson(json: string): unknown {
  return JSON.parse(jsonbText(JSON.parse(json)));
}

const utf8 = (s: string) => Buffer.from(s, "utf8");

function jsonbKeyOrder(a: string, b: string): number {
  const [x, y] = [utf8(a), utf8(b)];
  return x.length - y.length || Buffer.compare(x, y);
}

function jsonbText(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jsonbText).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort(jsonbKeyOrder)
    .map((k) => `${JSON.stringify(k)}:${jsonbText(o[k])}`)
    .join(",")}}`;
}
