import { HubError } from "../errors.ts";
import { isUuid } from "./refs.ts";

/**
 * The sort key of the last row of a page: priority, due (or "infinity"), created_at and id.
 * Timestamps travel as Postgres text with microseconds, so no row is skipped or repeated.
 */
export interface TaskCursor {
  priority: number;
  due: string;
  created: string;
  id: string;
}

export const encodeCursor = (c: TaskCursor) =>
  Buffer.from(JSON.stringify([c.priority, c.due, c.created, c.id])).toString("base64url");

export function decodeCursor(cursor: string): TaskCursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 4) {
      const [priority, due, created, id] = v as unknown[];
      if (
        typeof priority === "number" &&
        typeof due === "string" &&
        typeof created === "string" &&
        isUuid(id) &&
        isTimestamp(due) &&
        isTimestamp(created)
      ) {
        return { priority, due, created, id };
      }
    }
  } catch {
    // fall through: any malformed cursor gets the same answer
  }
  throw new HubError("validation", "The page cursor is not valid; list again without it.", {
    details: { field: "cursor" },
  });
}

const isTimestamp = (s: string) => s === "infinity" || /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(s);
