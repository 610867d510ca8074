import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeManyHeldAs } from "../../src/core/task-completions.ts";
import { claimNextMany } from "../../src/core/task-leases.ts";
import { createPostgresSql } from "../../src/db/postgres.ts";
import type { Sql } from "../../src/db/sql.ts";
import { taskJson } from "../../src/http/dto-sql.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";

describe("createPostgresSql", () => {
  let db: TestDb;
  let sql: Sql;
  beforeAll(async () => {
    db = await createTestDatabase();
    // a pool of 4: one connection for named statements, so the test sees its plan cache
    sql = createPostgresSql(db.url, { max: 4 });
  });
  afterAll(async () => {
    await sql?.close();
    await db?.drop();
  });

  const mode = async (s: Sql, name?: string) =>
    (await s.query<{ plan_cache_mode: string }>("SHOW plan_cache_mode", [], name)).rows[0]?.plan_cache_mode;

  it("runs named statements with generic plans, every other one with plans for its values", async () => {
    expect(await mode(sql, "show_mode")).toBe("force_generic_plan");
    expect(await mode(sql)).toBe("auto");
    // inside a transaction, everything runs on the transaction's connection
    expect(await sql.transaction((tx) => mode(tx, "show_mode_tx"))).toBe("auto");
  });

  it("plans the batch completion once, however small the batches", async () => {
    await sql.query("INSERT INTO tasks (title) SELECT 'plan ' || g FROM generate_series(1, 40) g");
    await sql.query("INSERT INTO agents (name) VALUES ('planner')");
    const actor = { kind: "agent", name: "planner" } as const;
    for (let round = 0; round < 12; round++) {
      const [claimed] = await claimNextMany(sql, [{ agent: "planner", limit: 2 }], { leaseSeconds: 60 });
      const tasks = claimed && "tasks" in claimed ? claimed.tasks : [];
      expect(tasks).toHaveLength(2);
      const done = await completeManyHeldAs(
        sql,
        tasks.map((t, n) => ({ n, ref: { id: t.id }, claimToken: t.claimToken, resultJson: "{}", actor })),
        null,
        taskJson,
      );
      expect(done.size).toBe(2);
    }
    const plans = await sql.query<{ name: string; generic_plans: number; custom_plans: number }>(
      `SELECT name, generic_plans::int, custom_plans::int FROM pg_prepared_statements
       WHERE name LIKE 'agentops_%' ORDER BY name`,
      [],
      "show_plans",
    );
    expect(plans.rows.map((p) => p.name)).toEqual(["agentops_claim_many", "agentops_complete_many_json"]);
    for (const p of plans.rows) expect(p).toMatchObject({ generic_plans: 12, custom_plans: 0 });
  });
});
