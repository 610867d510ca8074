import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assignTask,
  cancelTask,
  claimTask,
  completeTask,
  createProject,
  createTask,
  findTasks,
  getTask,
  listEvents,
  listTasks,
  restoreTask,
  type Task,
  updateTask,
} from "../../src/core/index.ts";
import { BACKENDS, createTestDatabase, type TestDb } from "../helpers/db.ts";
import { rowsReadBy } from "../helpers/rows-read.ts";
import { asAgent, asPerson, registerWorker, settings, snapshot, unique, useDb } from "./fixtures.ts";

describe.each(BACKENDS)("tasks on %s", (backend) => {
  const db = useDb(backend);
  beforeAll(() => db.open());
  afterAll(() => db.close());

  it("creates a task with a number, its project and a task.created event", async () => {
    const p = await createProject(db.sql, { name: unique("Site") }, asPerson);
    const due = new Date("2030-01-02T03:04:05.000Z");
    const t = await createTask(
      db.sql,
      {
        title: "  Write the landing page  ",
        project: p.name,
        priority: "critical",
        dueAt: due,
        assignedTo: "seed",
      },
      asPerson,
      settings,
    );
    expect(t).toMatchObject({
      title: "Write the landing page",
      status: "pending",
      priority: 100,
      projectId: p.id,
      projectName: p.name,
      assignedTo: "seed",
      dueAt: due,
      maxAttempts: 3,
      createdBy: "telegram:42",
    });
    expect(t.number).toBeGreaterThan(1);
    for (const ref of [t.id, t.number, String(t.number), `#${t.number}`]) {
      expect((await getTask(db.sql, ref)).id).toBe(t.id);
    }
    const [e] = await listEvents(db.sql, { entityId: t.id });
    expect(e).toMatchObject({ type: "task.created", actor: "telegram:42" });
    expect(e?.payload).toMatchObject({
      number: t.number,
      title: t.title,
      projectName: p.name,
      priority: 100,
      priorityName: "critical",
      assignedTo: "seed",
    });
  });

  it("rejects bad input clearly and writes nothing", async () => {
    const before = await snapshot(db.sql);
    const bad: Array<[Parameters<typeof createTask>[1], string]> = [
      [{ title: "" }, "validation"],
      [{ title: "x".repeat(501) }, "validation"],
      [{ title: "ok", priority: 101 }, "validation"],
      [{ title: "ok", priority: "urgent" }, "validation"],
      [{ title: "ok", dueAt: "next blursday" }, "validation"],
      [{ title: "ok", project: "No Such Project" }, "not_found"],
      [{ title: "ok", assignedTo: "nobody" }, "not_found"],
      [{ title: "ok", parentTaskId: "not-a-uuid" }, "validation"],
      [{ title: "ok", parentTaskId: "00000000-0000-4000-8000-000000000000" }, "not_found"],
      [{ title: "ok", maxAttempts: 0 }, "validation"],
    ];
    for (const [input, code] of bad) {
      await expect(createTask(db.sql, input, asPerson), JSON.stringify(input)).rejects.toMatchObject({
        code,
      });
    }
    await expect(getTask(db.sql, "12abc")).rejects.toMatchObject({ code: "validation" });
    await expect(getTask(db.sql, 999_999)).rejects.toMatchObject({
      code: "not_found",
      message: "Task 999999 was not found.",
    });
    expect(await snapshot(db.sql)).toEqual(before);
  });

  it("stores SQL in strings as plain text", async () => {
    const title = "Robert'); DROP TABLE tasks; --";
    const t = await createTask(db.sql, { title, description: "$1 \\ %_ '" }, asPerson);
    expect((await getTask(db.sql, t.id)).title).toBe(title);
    expect((await findTasks(db.sql, "DROP TABLE")).map((x) => x.id)).toContain(t.id);
  });

  it("lists most important first and pages with a stable cursor", async () => {
    const p = await createProject(db.sql, { name: unique("Paging") }, asPerson);
    const made: Task[] = [];
    const due = (h: number) => new Date(Date.UTC(2031, 0, 1, h));
    const specs = [
      { priority: 50 },
      { priority: 75, dueAt: due(5) },
      { priority: 75, dueAt: due(1) },
      { priority: 75 },
      { priority: 25 },
      { priority: 50 },
      { priority: 100 },
    ];
    for (const [i, s] of specs.entries())
      made.push(await createTask(db.sql, { title: `page ${i}`, project: p.id, ...s }, asPerson));
    const expected = [6, 2, 1, 3, 0, 5, 4].map((i) => made[i]?.id);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listTasks(db.sql, { project: p.name, limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((t) => t.id));
      // A task created between pages lands where it sorts; pages already read don't shift.
      if (seen.length === 2)
        await createTask(db.sql, { title: "late", project: p.id, priority: 1 }, asPerson);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.slice(0, 7)).toEqual(expected);
    expect(seen).toHaveLength(8);

    await expect(listTasks(db.sql, { cursor: "garbage" })).rejects.toMatchObject({ code: "validation" });
  });

  it("combines filters: status, project, assignee, priority band, title words", async () => {
    const p = await createProject(db.sql, { name: unique("Filters") }, asPerson);
    const worker = unique("w");
    await registerWorker(db.sql, worker);
    const a = await createTask(
      db.sql,
      { title: "Fix login bug", project: p.id, priority: 80, assignedTo: worker },
      asPerson,
    );
    const b = await createTask(db.sql, { title: "Fix signup bug", project: p.id, priority: 30 }, asPerson);
    const c = await createTask(db.sql, { title: "Write 100% docs", project: p.id, priority: 80 }, asPerson);
    await cancelTask(db.sql, c.id, asPerson);
    const ids = async (f: Parameters<typeof listTasks>[1]) =>
      (await listTasks(db.sql, { project: p.id, ...f })).items.map((t) => t.id);

    expect(await ids({ search: "fix bug" })).toEqual([a.id, b.id]);
    expect(await ids({ search: "fix bug", priority: "high" })).toEqual([a.id]);
    expect(await ids({ assignee: worker })).toEqual([a.id]);
    expect(await ids({ assignee: null, status: "pending" })).toEqual([b.id]);
    expect(await ids({ status: ["cancelled", "completed"] })).toEqual([c.id]);
    expect(await ids({ search: "100%" })).toEqual([c.id]);
    expect(await ids({ search: "%" })).toEqual([a.id, c.id, b.id]);
    await expect(listTasks(db.sql, { status: "done" as never })).rejects.toMatchObject({
      code: "validation",
    });
    await expect(listTasks(db.sql, { project: "nope nope" })).rejects.toMatchObject({ code: "not_found" });
  });

  it("finds tasks by the words a person uses", async () => {
    const tag = unique("kz");
    const landing = await createTask(db.sql, { title: `${tag} landing page copy` }, asPerson);
    const other = await createTask(db.sql, { title: `${tag} pricing page` }, asPerson);
    const found = await findTasks(db.sql, `the ${tag} landing page task`);
    expect(found[0]?.id).toBe(landing.id);
    expect(found.map((t) => t.id)).toContain(other.id);
    await cancelTask(db.sql, landing.id, asPerson);
    const open = (await findTasks(db.sql, `${tag} landing`, { openOnly: true })).map((t) => t.id);
    expect(open).toContain(other.id);
    expect(open).not.toContain(landing.id);
    expect(await findTasks(db.sql, "   ")).toEqual([]);
  });

  it("updates fields with an event that lists the changes, and undoes them", async () => {
    const p = await createProject(db.sql, { name: unique("Move") }, asPerson);
    const t = await createTask(db.sql, { title: "Draft", priority: "low" }, asPerson);
    const { task, previous } = await updateTask(
      db.sql,
      t.number,
      { title: "Final draft", priority: "high", project: p.name, dueAt: "2032-05-01T10:00:00Z" },
      asPerson,
    );
    expect(task).toMatchObject({ title: "Final draft", priority: 75, projectName: p.name });
    expect(previous).toEqual(t);
    const updated = await listEvents(db.sql, { entityId: t.id, types: ["task.updated"] });
    expect(Object.keys(updated[0]?.payload.changes as object).sort()).toEqual([
      "dueAt",
      "priority",
      "projectId",
      "title",
    ]);

    const restored = await restoreTask(db.sql, t.id, previous, asPerson);
    expect(restored).toMatchObject({ title: "Draft", priority: 25, projectId: null, dueAt: null });
    const undo = await listEvents(db.sql, { entityId: t.id, types: ["task.updated"] });
    expect(undo.at(-1)?.payload).toMatchObject({ undo: true });
  });

  it("undoes a completion: status, result and claim come back as they were", async () => {
    const worker = unique("undo");
    await registerWorker(db.sql, worker);
    const t = await createTask(db.sql, { title: "undo me", assignedTo: worker }, asPerson);
    const claimed = await claimTask(db.sql, t.id, worker, settings);
    const { previous, task } = await completeTask(db.sql, t.id, { result: { summary: "done" } }, asPerson);
    expect(task.status).toBe("completed");
    const back = await restoreTask(db.sql, t.id, previous, asPerson);
    expect(back).toMatchObject({ status: "in_progress", result: null, completedAt: null, claimedBy: worker });
    // The holder's token still works after the undo.
    const done = await completeTask(
      db.sql,
      t.id,
      { claimToken: claimed.claimToken, result: "ok" },
      asAgent(worker),
    );
    expect(done.task.status).toBe("completed");

    const fresh = await createTask(db.sql, { title: "never claimed" }, asPerson);
    await expect(restoreTask(db.sql, fresh.id, previous, asPerson)).rejects.toMatchObject({
      code: "validation",
    });
  });

  it("assigns and unassigns", async () => {
    const worker = unique("asg");
    await registerWorker(db.sql, worker);
    const t = await createTask(db.sql, { title: "assign me" }, asPerson);
    const r = await assignTask(db.sql, `#${t.number}`, worker, asPerson);
    expect(r.task.assignedTo).toBe(worker);
    expect(r.previous.assignedTo).toBeNull();
    await expect(assignTask(db.sql, t.id, "ghost", asPerson)).rejects.toMatchObject({ code: "not_found" });
    expect((await assignTask(db.sql, t.id, null, asPerson)).task.assignedTo).toBeNull();
    const types = (await listEvents(db.sql, { entityId: t.id })).map((e) => e.type);
    expect(types).toEqual(["task.created", "task.assigned", "task.assigned"]);
  });
});

describe("the task list on Postgres, many tasks in", () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("reads about a page of rows for each page, however many tasks there are", async () => {
    // A year of work: 20,000 tasks done, most of one priority, and a few open ones on top.
    await db.sql.query(
      `INSERT INTO tasks (title, priority, status, completed_at)
       SELECT 'done ' || g, CASE WHEN g % 10 = 0 THEN 75 ELSE 50 END, 'completed', now()
       FROM generate_series(1, 20000) g`,
    );
    await db.sql.query("ANALYZE tasks");
    let cursor: string | undefined;
    const pages: string[][] = [];
    const read = await rowsReadBy(db, "tasks", 3, async (own) => {
      for (let i = 0; i < 3; i++) {
        const page = await listTasks(own, { limit: 50, ...(cursor ? { cursor } : {}) });
        pages.push(page.items.map((t) => t.title));
        cursor = page.nextCursor;
      }
    });
    expect(pages.flat()).toHaveLength(150);
    expect(new Set(pages.flat()).size).toBe(150);
    // Before the list's order had its index, each page sorted all 20,000.
    expect(read).toBeLessThan(1_000);
  });
});
