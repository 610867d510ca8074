/**
 * The REST API's hot paths answer with task JSON that Postgres builds (dto-sql.ts); everything
 * else answers with dto.ts. A client must not be able to tell them apart: same keys, same
 * order, same values, on both backends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimTask, completeTask, createProject, createTask } from "../../src/core/index.ts";
import { claimedTaskFromRow, type TaskRow } from "../../src/core/rows.ts";
import { claimedTaskDto, taskDto } from "../../src/http/dto.ts";
import { taskDtoSql } from "../../src/http/dto-sql.ts";
import { admin, asPerson, registerWorker, settings, unique, useDb } from "../core/fixtures.ts";
import { BACKENDS } from "../helpers/db.ts";

describe.each(BACKENDS)("task JSON built by Postgres on %s", (backend) => {
  const db = useDb(backend);
  beforeAll(() => db.open());
  afterAll(() => db.close());

  it("is what dto.ts makes of the same row, key for key", async () => {
    const p = await createProject(db.sql, { name: unique("Dto") }, asPerson);
    const agent = unique("dto-agent");
    await registerWorker(db.sql, agent, ["web", "ünï"]);
    const plain = await createTask(db.sql, { title: "plain" }, asPerson);
    const full = await createTask(
      db.sql,
      {
        title: 'quotes " and \\ and \n newline, emoji 🚀',
        description: "tab\there\u0001control",
        project: p.id,
        priority: 90,
        dueAt: "2030-01-02T03:04:05.678Z",
        requiredCapabilities: ["web", "ünï"],
        assignedTo: agent,
        input: { zeta: 1, a: { "10": 1, "2": 2, bb: [{ yy: 1, x: 2 }] }, é: "accent", big: 1.5e21, n: null },
      },
      asPerson,
    );
    const claimed = await createTask(db.sql, { title: "claimed", assignedTo: agent, priority: 30 }, asPerson);
    await claimTask(db.sql, claimed.id, agent, settings);
    const done = await createTask(db.sql, { title: "done", project: p.id }, asPerson);
    await completeTask(
      db.sql,
      done.id,
      { result: { ok: true, list: [3, { b: 1, a: 2 }] } },
      { actor: admin },
    );
    const odd = await createTask(db.sql, { title: "odd", parentTaskId: plain.id }, asPerson);
    // what only SQL can leave behind: microseconds, a non-object input, a scalar result
    await db.sql.query(
      `UPDATE tasks SET due_at = '2031-05-06 07:08:09.123999+00', input = '[1, 2]', result = '"text"',
         error = 'it broke', blocked_reason = 'waiting'
       WHERE id = $1`,
      [odd.id],
    );
    const ids = [plain, full, claimed, done, odd].map((t) => t.id);
    const r = await db.sql.query<TaskRow & { dto: string; plain_dto: string }>(
      `SELECT r.*, ${taskDtoSql("r", { claimToken: true })} AS dto, ${taskDtoSql("r")} AS plain_dto
       FROM (SELECT t.*, p.name AS project_name FROM tasks t LEFT JOIN projects p ON p.id = t.project_id
             WHERE t.id = ANY($1::uuid[])) r`,
      [ids],
    );
    expect(r.rows).toHaveLength(5);
    for (const row of r.rows) {
      const expected = claimedTaskDto(claimedTaskFromRow(row));
      // compact between its own keys, as the other answers are (jsonb values inside keep their spacing)
      expect(row.dto).toMatch(/^\{"id":"[^"]+","number":\d+,"title":/);
      const got = JSON.parse(row.dto) as Record<string, unknown>;
      expect(got).toEqual(expected);
      expect(Object.keys(got)).toEqual(Object.keys(expected));
      const plainGot = JSON.parse(row.plain_dto) as Record<string, unknown>;
      expect(plainGot).toEqual(taskDto(claimedTaskFromRow(row)));
      expect(Object.keys(plainGot)).toEqual(Object.keys(taskDto(claimedTaskFromRow(row))));
    }
    const claimedRow = r.rows.find((x) => x.id === claimed.id);
    expect(JSON.parse(claimedRow?.dto ?? "{}").claim_token).toMatch(/^[0-9a-f-]{36}$/);
  });
});
