import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mayWrite } from "../../src/db/sql.ts";
import { BACKENDS, openBackend, type TestDb } from "../helpers/db.ts";

it("counts only a leading SELECT as a read", () => {
  expect(mayWrite("SELECT 1")).toBe(false);
  expect(mayWrite("  \n select * from events")).toBe(false);
  expect(mayWrite("WITH x AS (UPDATE tasks SET title = 't' RETURNING 1) SELECT * FROM x")).toBe(true);
  expect(mayWrite("INSERT INTO events DEFAULT VALUES")).toBe(true);
  expect(mayWrite("SELECTED")).toBe(true);
});

// Sql.onWrite replaces the events NOTIFY (migration 0009): the outbox relay wakes on it.
describe.each(BACKENDS)("Sql.onWrite on %s", (backend) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openBackend(backend);
  });
  afterAll(async () => {
    await db?.drop();
  });

  const insert = "INSERT INTO events (event_type, entity_type, entity_id) VALUES ('t.x', 'task', 'w')";

  it("fires after a write on its own, not after a read", async () => {
    let n = 0;
    const off = db.sql.onWrite?.(() => {
      n += 1;
    });
    await db.sql.query("SELECT count(*) FROM events");
    expect(n).toBe(0);
    await db.sql.query(insert);
    expect(n).toBe(1);
    off?.();
    await db.sql.query(insert);
    expect(n).toBe(1);
  });

  it("fires once a writing transaction commits, never before, never on rollback or a read-only one", async () => {
    let n = 0;
    const off = db.sql.onWrite?.(() => {
      n += 1;
    });
    try {
      await db.sql.transaction(async (tx) => {
        await tx.query(insert);
        await tx.transaction((inner) => inner.query(insert));
        expect(n).toBe(0);
      });
      expect(n).toBe(1);
      await db.sql.transaction((tx) => tx.query("SELECT 1"));
      expect(n).toBe(1);
      await expect(
        db.sql.transaction(async (tx) => {
          await tx.query(insert);
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      expect(n).toBe(1);
    } finally {
      off?.();
    }
  });

  it("runs a named (prepared) statement like an unnamed one, repeatedly", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await db.sql.query<{ v: number }>("SELECT $1::int + 1 AS v", [i], "agentops_test_named");
      expect(r.rows).toEqual([{ v: i + 1 }]);
    }
  });
});
