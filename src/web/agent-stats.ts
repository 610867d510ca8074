import { localDate } from "../cos/time.ts";
import type { Sql } from "../db/sql.ts";

/** The last `days` local dates, oldest first, YYYY-MM-DD. */
export function lastDays(now: Date, timeZone: string, days: number): string[] {
  const out: string[] = [];
  for (let i = days - 1; i >= 0; i--) out.push(localDate(new Date(now.getTime() - i * 86_400_000), timeZone));
  return [...new Set(out)];
}

/**
 * Tasks completed per agent per local day. The agent is whoever held the task (claimed_by),
 * else whoever it was assigned to.
 */
export async function tasksDonePerDay(
  sql: Sql,
  timeZone: string,
  days: number,
): Promise<Map<string, Map<string, number>>> {
  const r = await sql.query<{ agent: string; day: string; n: number }>(
    `SELECT coalesce(claimed_by, assigned_to) AS agent,
            to_char(completed_at AT TIME ZONE $1, 'YYYY-MM-DD') AS day, count(*)::int AS n
     FROM tasks
     WHERE status = 'completed' AND completed_at > now() - $2 * interval '1 day'
       AND coalesce(claimed_by, assigned_to) IS NOT NULL
     GROUP BY 1, 2`,
    [timeZone, days + 1],
  );
  const out = new Map<string, Map<string, number>>();
  for (const row of r.rows) {
    const m = out.get(row.agent) ?? new Map<string, number>();
    m.set(row.day, row.n);
    out.set(row.agent, m);
  }
  return out;
}
