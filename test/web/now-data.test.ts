import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tasksDonePerDay } from "../../src/web/agent-stats.ts";
import { loadNow } from "../../src/web/now-data.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";
import { rowsReadBy } from "../helpers/rows-read.ts";

describe("the web's live pages on Postgres, a year of work in", () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDatabase();
    // 20,000 tasks done a month ago and more, three done this morning.
    await db.sql.query(
      `INSERT INTO tasks (title, status, claimed_by, completed_at)
       SELECT 'old ' || g, 'completed', 'seed', now() - interval '30 days' - g * interval '1 minute'
       FROM generate_series(1, 20000) g`,
    );
    await db.sql.query(
      `INSERT INTO tasks (title, status, claimed_by, completed_at)
       SELECT 'new ' || g, 'completed', 'seed', now() - g * interval '1 hour' FROM generate_series(1, 3) g`,
    );
    await db.sql.query("ANALYZE tasks");
  });
  afterAll(async () => {
    await db?.drop();
  });

  // Both pages are fetched again on every burst of events while a tab shows them.
  it("the first screen's finished tasks read the recent ones, not every task ever done", async () => {
    let finished: string[] = [];
    const read = await rowsReadBy(db, "tasks", 1, async (own) => {
      finished = (await loadNow(own, randomUUID(), new Date())).finished.map((t) => t.title);
    });
    expect(finished).toEqual(["new 1", "new 2", "new 3"]);
    expect(read).toBeLessThan(100);
  });

  it("the agents page's tasks done per day read the last days only", async () => {
    let perDay = new Map<string, Map<string, number>>();
    const read = await rowsReadBy(db, "tasks", 1, async (own) => {
      perDay = await tasksDonePerDay(own, "UTC", 7);
    });
    const days = [...(perDay.get("seed")?.values() ?? [])];
    expect(days.reduce((a, b) => a + b, 0)).toBe(3);
    expect(read).toBeLessThan(100);
  });
});
