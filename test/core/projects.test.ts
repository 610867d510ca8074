import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createProject,
  createTask,
  findProjects,
  getProject,
  getProjectProgress,
  listEvents,
  listProjects,
  setProjectStatus,
  updateProject,
} from "../../src/core/index.ts";
import { BACKENDS } from "../helpers/db.ts";
import { asPerson, snapshot, unique, useDb } from "./fixtures.ts";

describe.each(BACKENDS)("projects on %s", (backend) => {
  const db = useDb(backend);
  beforeAll(() => db.open());
  afterAll(() => db.close());

  it("creates a project with its event and finds it by id or by name in any case", async () => {
    const name = unique("Website");
    const p = await createProject(db.sql, { name, priority: "high", description: "new site" }, asPerson);
    expect(p).toMatchObject({ name, priority: 75, status: "active", description: "new site" });
    expect((await getProject(db.sql, p.id)).name).toBe(name);
    expect((await getProject(db.sql, name.toUpperCase())).id).toBe(p.id);
    const events = await listEvents(db.sql, { entityType: "project", entityId: p.id });
    expect(events.map((e) => e.type)).toEqual(["project.created"]);
    expect(events[0]?.payload).toMatchObject({
      name,
      priority: 75,
      priorityName: "high",
      actor: { kind: "person" },
    });
  });

  it("refuses a second active project with the same name, and leaves nothing behind", async () => {
    const name = unique("Dup");
    await createProject(db.sql, { name }, asPerson);
    const before = await snapshot(db.sql);
    await expect(createProject(db.sql, { name: name.toLowerCase() }, asPerson)).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("already an active project"),
    });
    expect(await snapshot(db.sql)).toEqual(before);
  });

  it("rejects bad input with validation and unknown refs with not_found", async () => {
    const before = await snapshot(db.sql);
    await expect(createProject(db.sql, { name: "  " }, asPerson)).rejects.toMatchObject({
      code: "validation",
    });
    await expect(createProject(db.sql, { name: "x".repeat(201) }, asPerson)).rejects.toMatchObject({
      code: "validation",
    });
    await expect(createProject(db.sql, { name: unique("p"), priority: 300 }, asPerson)).rejects.toMatchObject(
      {
        code: "validation",
      },
    );
    await expect(getProject(db.sql, "no such project")).rejects.toMatchObject({ code: "not_found" });
    await expect(getProject(db.sql, "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({
      code: "not_found",
    });
    expect(await snapshot(db.sql)).toEqual(before);
  });

  it("updates fields and records what changed", async () => {
    const p = await createProject(db.sql, { name: unique("Upd") }, asPerson);
    const renamed = unique("Renamed");
    const u = await updateProject(
      db.sql,
      p.id,
      { name: renamed, priority: 90, metadata: { owner: "me" } },
      asPerson,
    );
    expect(u).toMatchObject({ name: renamed, priority: 90, metadata: { owner: "me" }, description: null });
    const [e] = await listEvents(db.sql, { entityId: p.id, types: ["project.updated"] });
    expect(e?.payload.changes).toMatchObject({
      name: { from: p.name, to: renamed },
      priority: { from: 50, to: 90 },
    });
  });

  it("pauses, resumes, completes and cancels with one event each", async () => {
    const p = await createProject(db.sql, { name: unique("Life") }, asPerson);
    const paused = await setProjectStatus(db.sql, p.name, "paused", asPerson);
    expect(paused).toMatchObject({ previousStatus: "active", project: { status: "paused" } });
    const again = await setProjectStatus(db.sql, p.name, "paused", asPerson);
    expect(again.previousStatus).toBe("paused");
    await setProjectStatus(db.sql, p.id, "active", asPerson);
    const done = await setProjectStatus(db.sql, p.id, "completed", asPerson);
    expect(done.project.completedAt).toBeInstanceOf(Date);
    await setProjectStatus(db.sql, p.id, "cancelled", asPerson);
    const types = (await listEvents(db.sql, { entityId: p.id })).map((e) => e.type);
    expect(types).toEqual([
      "project.created",
      "project.paused",
      "project.resumed",
      "project.completed",
      "project.cancelled",
    ]);
    await expect(setProjectStatus(db.sql, p.id, "archived" as never, asPerson)).rejects.toMatchObject({
      code: "validation",
    });
  });

  it("reports progress from the view", async () => {
    const p = await createProject(db.sql, { name: unique("Prog") }, asPerson);
    await createTask(db.sql, { title: "one", project: p.name }, asPerson);
    await createTask(db.sql, { title: "two", project: p.name }, asPerson);
    const progress = await getProjectProgress(db.sql, p.name);
    expect(progress).toMatchObject({ totalTasks: 2, pendingTasks: 2, completedTasks: 0, percentComplete: 0 });
    const all = await listProjects(db.sql, { status: "active" });
    expect(all.find((x) => x.id === p.id)?.totalTasks).toBe(2);
  });

  it("finds close matches first", async () => {
    const tag = unique("zq");
    const exact = await createProject(db.sql, { name: `${tag} Landing` }, asPerson);
    const prefix = await createProject(db.sql, { name: `${tag} Landing Page` }, asPerson);
    const contains = await createProject(db.sql, { name: `Old ${tag} Landing` }, asPerson);
    const found = await findProjects(db.sql, `${tag} landing`, 5);
    expect(found.slice(0, 3).map((p) => p.id)).toEqual([exact.id, prefix.id, contains.id]);
    const fuzzy = await findProjects(db.sql, `${tag} landng`);
    expect(fuzzy.map((p) => p.id)).toContain(exact.id);
    expect(await findProjects(db.sql, "nothing like it at all qqq")).toEqual([]);
  });
});
