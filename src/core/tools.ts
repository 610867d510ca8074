import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { inTransaction } from "./db-errors.ts";
import { emitEvent } from "./events.ts";
import { type ToolRow, toolFromRow } from "./rows.ts";
import type { OpOptions, Tool } from "./types.ts";
import { jsonObject, jsonParam, optionalText, requireText } from "./validate.ts";

export async function listTools(sql: Sql): Promise<Tool[]> {
  const r = await sql.query<ToolRow>("SELECT * FROM tools ORDER BY name");
  return r.rows.map(toolFromRow);
}

/** Creates the tool or changes only the fields given. */
export async function upsertTool(
  sql: Sql,
  input: {
    name: string;
    description?: string | null;
    inputSchema?: Record<string, unknown>;
    enabled?: boolean;
  },
  op: OpOptions,
): Promise<Tool> {
  const name = requireText("name", input.name, 200);
  const description =
    input.description === undefined ? undefined : optionalText("description", input.description, 5_000);
  const schema = input.inputSchema === undefined ? undefined : jsonObject("inputSchema", input.inputSchema);
  if (input.enabled !== undefined && typeof input.enabled !== "boolean") {
    throw new HubError("validation", "enabled must be true or false.");
  }
  return inTransaction(sql, async (tx) => {
    const r = await tx.query<ToolRow & { inserted: boolean }>(
      `INSERT INTO tools (name, description, input_schema, enabled)
       VALUES ($1, $3, coalesce($4::text::jsonb, '{}'::jsonb), coalesce($5::boolean, true))
       ON CONFLICT (name) DO UPDATE SET
         description = CASE WHEN $2::boolean THEN EXCLUDED.description ELSE tools.description END,
         input_schema = coalesce($4::text::jsonb, tools.input_schema),
         enabled = coalesce($5::boolean, tools.enabled)
       RETURNING *, (xmax = 0) AS inserted`,
      [
        name,
        description !== undefined,
        description ?? null,
        schema === undefined ? null : jsonParam(schema),
        input.enabled ?? null,
      ],
    );
    const row = r.rows[0] as ToolRow & { inserted: boolean };
    const tool = toolFromRow(row);
    await emitEvent(tx, {
      type: row.inserted ? "tool.created" : "tool.updated",
      entityType: "tool",
      entityId: tool.id,
      actor: op.actor,
      payload: { toolId: tool.id, name: tool.name, enabled: tool.enabled },
    });
    return tool;
  });
}
