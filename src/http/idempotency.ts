import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";

interface StoredRow {
  request_hash: string;
  status_code: number | null;
  response: unknown;
}

export interface IdempotencyStore {
  /**
   * Runs `create` once per (scope, Idempotency-Key). The key row is inserted first, in the same
   * transaction as the creation, so a concurrent retry waits on the row's lock and then reads the
   * stored response; a failed first attempt rolls the row back and leaves the key free.
   * Without the header it just runs `create` on the pool.
   */
  run<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    scope: string,
    status: number,
    create: (sql: Sql) => Promise<T>,
  ): Promise<T>;
}

/** The request's identity: method, path and body, keys sorted so formatting does not matter. */
export function requestHash(method: string, url: string, body: unknown): string {
  return createHash("sha256")
    .update(`${method} ${url}\n`)
    .update(canonicalJson(body ?? null))
    .digest("hex");
}

function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(",")}}`;
}

export function createIdempotencyStore(sql: Sql, opts: { retentionHours?: number } = {}): IdempotencyStore {
  const retentionHours = opts.retentionHours ?? 24;
  let inserts = 0;

  return {
    async run(request, reply, scope, status, create) {
      const header = request.headers["idempotency-key"];
      const key = Array.isArray(header) ? header[0] : header;
      if (key === undefined) {
        const out = await create(sql);
        reply.code(status);
        return out;
      }
      if (key.length === 0 || key.length > 200 || !/^[\x21-\x7E]+$/.test(key)) {
        throw new HubError(
          "validation",
          "Idempotency-Key must be 1 to 200 printable ASCII characters without spaces",
        );
      }
      const hash = requestHash(request.method, request.url, request.body);
      const outcome = await sql.transaction(async (tx) => {
        const ins = await tx.query(
          `INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
           ON CONFLICT (scope, key) DO NOTHING RETURNING 1`,
          [scope, key, hash],
        );
        if (ins.rowCount === 0) {
          const r = await tx.query<StoredRow>(
            "SELECT request_hash, status_code, response FROM idempotency_keys WHERE scope = $1 AND key = $2",
            [scope, key],
          );
          const row = r.rows[0];
          if (!row || row.status_code === null) {
            throw new HubError(
              "conflict",
              `A request with Idempotency-Key "${key}" is still being processed; retry shortly`,
            );
          }
          if (row.request_hash !== hash) {
            throw new HubError(
              "conflict",
              `Idempotency-Key "${key}" was already used for a different request (another path or body); use a new key for a new request`,
              { details: { idempotencyKey: key } },
            );
          }
          return { replay: true as const, status: row.status_code, body: row.response };
        }
        const body = await create(tx);
        await tx.query(
          "UPDATE idempotency_keys SET status_code = $3, response = $4::jsonb WHERE scope = $1 AND key = $2",
          [scope, key, status, JSON.stringify(body ?? null)],
        );
        return { replay: false as const, status, body };
      });
      if (!outcome.replay && ++inserts % 500 === 0) {
        sql
          .query("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)", [
            retentionHours,
          ])
          .catch(() => {});
      }
      reply.code(outcome.status);
      if (outcome.replay) reply.header("idempotent-replayed", "true");
      return outcome.body as Awaited<ReturnType<typeof create>>;
    },
  };
}
