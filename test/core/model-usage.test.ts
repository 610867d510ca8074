import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createArtifact,
  createProject,
  createTask,
  getArtifact,
  listArtifacts,
  listEvents,
  listTools,
  recordModelUsage,
  spentOn,
  summarizeModelUsage,
  upsertTool,
} from "../../src/core/index.ts";
import { BACKENDS } from "../helpers/db.ts";
import { asPerson, snapshot, unique, useDb } from "./fixtures.ts";

describe.each(BACKENDS)("model usage, artifacts, tools and events on %s", (backend) => {
  const db = useDb(backend);
  beforeAll(() => db.open());
  afterAll(() => db.close());

  it("sums tokens and cost overall and by agent, model and UTC day", async () => {
    const t = await createTask(db.sql, { title: "llm work" }, asPerson);
    const at = (iso: string) => ({ ...asPerson, now: new Date(iso) });
    await recordModelUsage(
      db.sql,
      { agentName: "cos", model: "m-small", promptTokens: 100, completionTokens: 20, costUsd: 0.01 },
      at("2030-03-01T23:59:00Z"),
    );
    await recordModelUsage(
      db.sql,
      {
        agentName: "seed",
        taskRef: t.number,
        model: "m-big",
        promptTokens: 1000,
        completionTokens: 200,
        costUsd: 0.25,
      },
      at("2030-03-02T00:01:00Z"),
    );
    await recordModelUsage(
      db.sql,
      { model: "m-small", provider: "openrouter", promptTokens: 10, completionTokens: 5, costUsd: 0.001 },
      at("2030-03-02T12:00:00Z"),
    );
    const s = await summarizeModelUsage(db.sql, {
      since: "2030-03-01T00:00:00Z",
      until: "2030-03-03T00:00:00Z",
    });
    expect(s.total).toEqual({
      calls: 3,
      promptTokens: 1110,
      completionTokens: 225,
      totalTokens: 1335,
      costUsd: 0.261,
    });
    expect(s.byModel.map((m) => [m.model, m.calls])).toEqual([
      ["m-big", 1],
      ["m-small", 2],
    ]);
    expect(s.byAgent.map((a) => a.agentName)).toEqual(["seed", "cos", null]);
    expect(s.byDay.map((d) => [d.day, d.calls])).toEqual([
      ["2030-03-01", 1],
      ["2030-03-02", 2],
    ]);
    expect(await spentOn(db.sql, "2030-03-02")).toBeCloseTo(0.251, 6);
    expect(await spentOn(db.sql, new Date("2030-03-01T05:00:00Z"))).toBeCloseTo(0.01, 6);
    const before = await snapshot(db.sql);
    await expect(
      recordModelUsage(db.sql, { model: "m", promptTokens: -1, completionTokens: 0, costUsd: 0 }),
    ).rejects.toMatchObject({ code: "validation" });
    await expect(
      recordModelUsage(db.sql, { model: "m", promptTokens: 1, completionTokens: 0, costUsd: Number.NaN }),
    ).rejects.toMatchObject({ code: "validation" });
    expect(await snapshot(db.sql)).toEqual(before);
  });

  it("stores artifacts linked to a task and its project", async () => {
    const p = await createProject(db.sql, { name: unique("Art") }, asPerson);
    const t = await createTask(db.sql, { title: "make pdf", project: p.id }, asPerson);
    const a = await createArtifact(
      db.sql,
      {
        taskRef: `#${t.number}`,
        name: "report.pdf",
        uri: "s3://b/report.pdf",
        mimeType: "application/pdf",
        sizeBytes: 10,
      },
      asPerson,
    );
    expect(a).toMatchObject({ taskId: t.id, projectId: p.id, kind: "file", sizeBytes: 10 });
    expect((await getArtifact(db.sql, a.id)).uri).toBe("s3://b/report.pdf");
    expect((await listArtifacts(db.sql, { taskRef: t.id })).map((x) => x.id)).toEqual([a.id]);
    await expect(getArtifact(db.sql, "nope")).rejects.toMatchObject({ code: "validation" });
    await expect(
      createArtifact(db.sql, { name: "x", uri: "y", sizeBytes: -5 }, asPerson),
    ).rejects.toMatchObject({ code: "validation" });
    const [e] = await listEvents(db.sql, { entityId: a.id });
    expect(e).toMatchObject({ type: "artifact.created", payload: { number: t.number, name: "report.pdf" } });
  });

  it("upserts tools, changing only the fields given", async () => {
    const name = unique("search");
    const created = await upsertTool(
      db.sql,
      { name, description: "web search", inputSchema: { type: "object" } },
      asPerson,
    );
    const updated = await upsertTool(db.sql, { name, enabled: false }, asPerson);
    expect(updated).toMatchObject({
      id: created.id,
      description: "web search",
      inputSchema: { type: "object" },
      enabled: false,
    });
    expect((await listTools(db.sql)).find((x) => x.name === name)?.enabled).toBe(false);
    const types = (await listEvents(db.sql, { entityId: created.id })).map((e) => e.type);
    expect(types).toEqual(["tool.created", "tool.updated"]);
  });

  it("lists events after a cursor, filtered by type", async () => {
    const [last] = (await listEvents(db.sql, { limit: 1000 })).slice(-1);
    const t = await createTask(db.sql, { title: "evented" }, asPerson);
    const after = await listEvents(db.sql, { since: last?.id ?? 0 });
    expect(after.map((e) => [e.type, e.entityId])).toEqual([["task.created", t.id]]);
    expect(await listEvents(db.sql, { since: last?.id ?? 0, types: ["task.completed"] })).toEqual([]);
    await expect(listEvents(db.sql, { since: -1 })).rejects.toMatchObject({ code: "validation" });
  });
});
