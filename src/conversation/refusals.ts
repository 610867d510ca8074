import type { Sql } from "../db/sql.ts";

export const REFUSAL_INTERVAL_MS = 60 * 60 * 1000;

/**
 * True when a stranger should hear the polite refusal now: at most once per interval per sender,
 * so the hub cannot be used to spam someone or to probe it by counting replies.
 */
export async function shouldRefuse(sql: Sql, identity: string, intervalMs = REFUSAL_INTERVAL_MS) {
  const r = await sql.query(
    `INSERT INTO sender_refusals (identity) VALUES ($1)
     ON CONFLICT (identity) DO UPDATE SET
       refusals = sender_refusals.refusals + 1,
       last_refused_at = CASE
         WHEN sender_refusals.last_refused_at < now() - make_interval(secs => $2::double precision / 1000)
         THEN now() ELSE sender_refusals.last_refused_at END
     RETURNING (refusals = 1 OR last_refused_at = now()) AS speak`,
    [identity, intervalMs],
  );
  return (r.rows[0] as { speak?: boolean } | undefined)?.speak === true;
}
