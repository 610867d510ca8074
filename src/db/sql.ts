/**
 * The one database interface the hub uses. Postgres (pg pool) and PGlite (embedded) both
 * implement it, so every operation runs unchanged on either.
 */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export type Row = Record<string, unknown>;

export interface Sql {
  readonly dialect: "postgres" | "pglite";
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Several statements, no parameters (schema files). */
  exec(text: string): Promise<void>;
  /** Runs fn in a transaction; inside a transaction it just runs fn on the same one. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; NOTIFY reaches every instance on the same database. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export async function one<T>(sql: Sql, text: string, params?: readonly unknown[]): Promise<T | undefined> {
  const r = await sql.query<T>(text, params);
  return r.rows[0];
}

/** Postgres error codes we map to user-facing errors. */
export const PG = {
  uniqueViolation: "23505",
  foreignKeyViolation: "23503",
  checkViolation: "23514",
  notNullViolation: "23502",
  invalidText: "22P02",
  serializationFailure: "40001",
  deadlock: "40P01",
} as const;

export function pgCode(e: unknown): string | undefined {
  if (e && typeof e === "object" && "code" in e && typeof (e as { code: unknown }).code === "string") {
    return (e as { code: string }).code;
  }
  return undefined;
}
