import { PG, pgCode, type Sql } from "../db/sql.ts";
import { HubError, isHubError } from "../errors.ts";

/**
 * The one place database errors become HubErrors. Inputs are validated before any write, so
 * these are the backstops: a race on a unique name, a row deleted under us, a bad cast.
 */
export function toHubError(e: unknown): unknown {
  if (isHubError(e)) return e;
  const code = pgCode(e);
  const pgErr = e as { constraint?: string; detail?: string; column?: string };
  const details = { pgCode: code, constraint: pgErr.constraint, column: pgErr.column };
  switch (code) {
    case PG.uniqueViolation:
      return new HubError("conflict", `That already exists${pgErr.detail ? ` (${pgErr.detail})` : ""}.`, {
        cause: e,
        details,
      });
    case PG.foreignKeyViolation:
      return new HubError(
        "not_found",
        `That refers to something that does not exist${pgErr.detail ? ` (${pgErr.detail})` : ""}.`,
        {
          cause: e,
          details,
        },
      );
    case PG.checkViolation:
    case PG.notNullViolation:
      return new HubError(
        "validation",
        `A value is missing or out of range${pgErr.constraint ? ` (${pgErr.constraint})` : ""}.`,
        {
          cause: e,
          details,
        },
      );
    case PG.invalidText:
      return new HubError("validation", `A value is malformed: ${(e as Error).message}.`, {
        cause: e,
        details,
      });
    default:
      return e;
  }
}

/** Runs fn in one transaction (or the caller's) and maps what the database throws. */
export async function inTransaction<T>(sql: Sql, fn: (tx: Sql) => Promise<T>): Promise<T> {
  try {
    return await sql.transaction(fn);
  } catch (e) {
    throw toHubError(e);
  }
}

/** For reads outside a transaction. */
export async function mapDbErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toHubError(e);
  }
}
