import type { Sql } from "../db/sql.ts";

export interface SingletonLease {
  name: string;
  holder: string;
  fencingToken: number;
  expiresAt: Date;
}

/**
 * Takes or renews the named lease for `holder` when it is free, expired or already ours.
 * The fencing token grows whenever the holder changes, so work stamped with an old token can
 * be told apart from the current holder's. Returns undefined when someone else holds it.
 */
export async function acquireSingleton(
  sql: Sql,
  name: string,
  holder: string,
  ttlMs: number,
): Promise<SingletonLease | undefined> {
  const r = await sql.query<{ name: string; holder: string; fencing_token: number; expires_at: Date }>(
    `INSERT INTO singleton_leases (name, holder, fencing_token, expires_at)
     VALUES ($1, $2, 1, now() + make_interval(secs => $3::double precision / 1000))
     ON CONFLICT (name) DO UPDATE SET
       holder = EXCLUDED.holder,
       fencing_token = singleton_leases.fencing_token
         + CASE WHEN singleton_leases.holder = EXCLUDED.holder THEN 0 ELSE 1 END,
       expires_at = EXCLUDED.expires_at,
       acquired_at = CASE WHEN singleton_leases.holder = EXCLUDED.holder
                          THEN singleton_leases.acquired_at ELSE now() END
     WHERE singleton_leases.holder = EXCLUDED.holder OR singleton_leases.expires_at < now()
     RETURNING name, holder, fencing_token, expires_at`,
    [name, holder, ttlMs],
  );
  const row = r.rows[0];
  return (
    row && { name: row.name, holder: row.holder, fencingToken: row.fencing_token, expiresAt: row.expires_at }
  );
}

export async function releaseSingleton(sql: Sql, name: string, holder: string): Promise<void> {
  await sql.query("DELETE FROM singleton_leases WHERE name = $1 AND holder = $2", [name, holder]);
}

/** True while `holder` still holds `name` with this fencing token. */
export async function holdsSingleton(sql: Sql, name: string, holder: string, fencingToken: number) {
  const r = await sql.query(
    "SELECT 1 FROM singleton_leases WHERE name = $1 AND holder = $2 AND fencing_token = $3 AND expires_at > now()",
    [name, holder, fencingToken],
  );
  return r.rowCount > 0;
}
