import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimTask,
  createApiKey,
  createTask,
  getAgent,
  getTask,
  heartbeatAgent,
  listAgents,
  listApiKeys,
  listEvents,
  markOfflineAgents,
  registerAgent,
  revokeApiKey,
  verifyApiKey,
} from "../../src/core/index.ts";
import { BACKENDS } from "../helpers/db.ts";
import { admin, asPerson, settings, snapshot, unique, useDb } from "./fixtures.ts";

const later = (seconds: number) => new Date(Date.now() + seconds * 1000);

describe.each(BACKENDS)("agents and API keys on %s", (backend) => {
  const db = useDb(backend);
  beforeAll(() => db.open());
  afterAll(() => db.close());

  it("registers an agent once, with a key shown only then", async () => {
    const name = unique("researcher");
    const { agent, apiKey } = await registerAgent(
      db.sql,
      { name, type: "specialist", capabilities: ["web", "web", "pdf"] },
      { actor: admin },
      { issueKey: true },
    );
    expect(agent).toMatchObject({ name, type: "specialist", capabilities: ["web", "pdf"], status: "idle" });
    expect(apiKey).toMatch(/^aoh_[A-Za-z0-9_-]{43}$/);
    expect(await verifyApiKey(db.sql, apiKey ?? "")).toMatchObject({ isAdmin: false, agentName: name });
    const stored = await db.sql.query<{ key_hash: string }>(
      "SELECT key_hash FROM api_keys WHERE agent_name = $1",
      [name],
    );
    expect(stored.rows[0]?.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await listApiKeys(db.sql))).not.toContain(apiKey);

    const before = await snapshot(db.sql);
    await expect(registerAgent(db.sql, { name }, { actor: admin })).rejects.toMatchObject({
      code: "conflict",
    });
    await expect(registerAgent(db.sql, { name: "bad name!" }, { actor: admin })).rejects.toMatchObject({
      code: "validation",
    });
    expect(await snapshot(db.sql)).toEqual(before);
    expect((await listEvents(db.sql, { entityType: "agent", entityId: name })).map((e) => e.type)).toEqual([
      "agent.registered",
    ]);
  });

  it("verifies keys, touches last_used_at at most once a minute, and refuses revoked ones", async () => {
    const { id, key } = await createApiKey(db.sql, { admin: true }, { label: "ops" });
    expect(await verifyApiKey(db.sql, key)).toEqual({ id, isAdmin: true, agentName: null });
    const first = (await listApiKeys(db.sql)).find((k) => k.id === id);
    expect(first).toMatchObject({ keyPrefix: key.slice(0, 12), label: "ops" });
    expect(first?.lastUsedAt).toBeInstanceOf(Date);
    await verifyApiKey(db.sql, key);
    expect((await listApiKeys(db.sql)).find((k) => k.id === id)?.lastUsedAt).toEqual(first?.lastUsedAt);

    expect(await verifyApiKey(db.sql, `${key.slice(0, -1)}x`)).toBeUndefined();
    expect(await verifyApiKey(db.sql, "nonsense")).toBeUndefined();
    const revoked = await revokeApiKey(db.sql, id);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await verifyApiKey(db.sql, key)).toBeUndefined();
    await expect(revokeApiKey(db.sql, "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(createApiKey(db.sql, { agentName: "ghost" })).rejects.toMatchObject({ code: "not_found" });
  });

  it("a heartbeat records presence and status, sets capabilities and extends held leases", async () => {
    const name = unique("hb");
    await registerAgent(db.sql, { name }, { actor: admin });
    const t = await createTask(db.sql, { title: "beat", assignedTo: name }, asPerson);
    const c = await claimTask(db.sql, t.id, name, { leaseSeconds: 5 });
    const a = await heartbeatAgent(
      db.sql,
      name,
      { currentTask: `#${t.number}`, capabilities: ["go"] },
      settings,
    );
    expect(a).toMatchObject({
      status: "busy",
      currentTaskId: t.id,
      currentTaskNumber: t.number,
      capabilities: ["go"],
    });
    expect(a.lastHeartbeatAt).toBeInstanceOf(Date);
    const after = await getTask(db.sql, t.id);
    expect(after.leaseExpiresAt?.getTime()).toBeGreaterThan((c.leaseExpiresAt?.getTime() ?? 0) + 30_000);
    expect((await heartbeatAgent(db.sql, name, {}, settings)).status).toBe("idle");
    await expect(heartbeatAgent(db.sql, "ghost", {}, settings)).rejects.toMatchObject({ code: "not_found" });
  });

  it("marks silent agents offline once, and a heartbeat brings them back online", async () => {
    const name = unique("quiet");
    await registerAgent(db.sql, { name }, { actor: admin });
    await heartbeatAgent(db.sql, name, {}, settings);
    const gone = await markOfflineAgents(db.sql, settings, { now: later(600) });
    expect(gone.find((a) => a.name === name)?.status).toBe("offline");
    const again = await markOfflineAgents(db.sql, settings, { now: later(900) });
    expect(again.map((a) => a.name)).not.toContain(name);
    expect((await getAgent(db.sql, name)).status).toBe("offline");
    expect((await listAgents(db.sql, { status: "offline" })).map((a) => a.name)).toContain(name);

    await heartbeatAgent(db.sql, name, {}, settings);
    const types = (await listEvents(db.sql, { entityType: "agent", entityId: name })).map((e) => e.type);
    expect(types).toEqual(["agent.registered", "agent.offline", "agent.online"]);
  });
});
