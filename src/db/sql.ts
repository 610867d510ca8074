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
  /**
   * `name` makes it a prepared statement on Postgres (planned once per connection, not on every
   * call): give it only to hot statements whose text never changes. PGlite ignores it.
   */
  query<T = Row>(text: string, params?: readonly unknown[], name?: string): Promise<QueryResult<T>>;
  /** Several statements, no parameters (schema files). */
  exec(text: string): Promise<void>;
  /** Runs fn in a transaction; inside a transaction it just runs fn on the same one. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; NOTIFY reaches every instance on the same database. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Calls `listener` after this process may have written: after a transaction that ran a
   * writing statement commits, or after such a statement ran on its own. A statement counts as
   * writing unless it starts with SELECT (see mayWrite). In-process only and synchronous, so it
   * must be cheap; it replaces a NOTIFY per commit, which serialises every writer on Postgres.
   * Optional: an Sql without it simply never calls back. Returns the unsubscribe.
   */
  onWrite?(listener: () => void): () => void;
  close(): Promise<void>;
}

/**
 * Whether a statement may write. Only a leading SELECT counts as a read: a WITH may hold an
 * UPDATE, and calling back once too often only costs the listener a wasted look. A SELECT that
 * writes through a function is missed, so listeners must still poll for anything that matters.
 */
export function mayWrite(text: string): boolean {
  return !READ_ONLY.test(text);
}
const READ_ONLY = /^\s*select\b/i;

/** The listener set behind Sql.onWrite: add/remove, and a cheap fire when nobody listens. */
export function writeListeners() {
  const listeners = new Set<() => void>();
  return {
    add(listener: () => void): () => void {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    fire() {
      if (listeners.size === 0) return;
      for (const l of listeners) {
        // A listener's failure must not fail the caller's write, which has committed.
        try {
          l();
        } catch {}
      }
    },
  };
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
