import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeTelegram, startFakeTelegram } from "../../fakes/telegram-bot-api.ts";
import { createTestDatabase, type TestDb } from "../../helpers/db.ts";
import { waitFor } from "../../helpers/wait.ts";
import { logged, memoryLogger, OWNER, type Running, startAdapter } from "./harness.ts";

let db: TestDb;
let fake: FakeTelegram;
const running: Running[] = [];
const log = memoryLogger();

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegram();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.adapter.stop()));
});
afterAll(async () => {
  await fake.close();
  await db.drop();
});

const start = async (instanceId: string) => {
  const r = await startAdapter(fake, db.sql, log.logger, { instanceId });
  running.push(r);
  return r;
};
const leaseName = () => `telegram:${fake.bot.id}`;

describe("telegram singleton lease", () => {
  it("two hub instances on one database: only the lease holder polls; the other takes over when it stops", async () => {
    const a = await start("hub-a");
    const b = await start("hub-b");
    const leader = await waitFor(() => [a, b].find((r) => r.adapter.status().polling), { what: "a poller" });
    const standby = leader === a ? b : a;
    expect(standby.adapter.status().polling).toBe(false);

    const texts = ["m1", "m2", "m3", "m4"];
    for (const t of texts) fake.pushText(OWNER, OWNER, t);
    await fake.waitForMessage((m) => m.plain === "ok: m4");
    expect(leader.dispatcher.utterances.map((u) => u.text)).toEqual(texts);
    expect(standby.dispatcher.utterances).toHaveLength(0);
    expect(fake.pollerConflicts).toBe(0);

    await leader.adapter.stop();
    await waitFor(() => standby.adapter.status().polling || undefined, { what: "the standby to take over" });
    fake.pushText(OWNER, OWNER, "after failover");
    await fake.waitForMessage((m) => m.plain === "ok: after failover");
    expect(standby.dispatcher.utterances.map((u) => u.text)).toEqual(["after failover"]);
    for (const t of texts) expect(fake.sent.filter((m) => m.plain === `ok: ${t}`)).toHaveLength(1);
    expect(fake.pollerConflicts).toBe(0);
  });

  it("a crashed holder's lease is taken over once it expires", async () => {
    await db.sql.query(
      `INSERT INTO singleton_leases (name, holder, fencing_token, expires_at)
       VALUES ($1, 'hub-crashed', 7, now() + interval '800 milliseconds')
       ON CONFLICT (name) DO UPDATE SET holder = 'hub-crashed', fencing_token = 7,
         expires_at = now() + interval '800 milliseconds'`,
      [leaseName()],
    );
    const c = await start("hub-c");
    expect(c.adapter.status().polling).toBe(false);
    await waitFor(() => c.adapter.status().polling || undefined, { what: "the takeover", timeoutMs: 5_000 });
    const row = await db.sql.query<{ holder: string; fencing_token: number }>(
      "SELECT holder, fencing_token FROM singleton_leases WHERE name = $1",
      [leaseName()],
    );
    expect(row.rows[0]).toEqual({ holder: "hub-c", fencing_token: 8 });
  });

  it("a holder that loses its lease stops polling and says so", async () => {
    const d = await start("hub-d");
    await waitFor(() => d.adapter.status().polling || undefined, { what: "hub-d polling" });
    await db.sql.query(
      "UPDATE singleton_leases SET holder = 'hub-thief', fencing_token = fencing_token + 1, expires_at = now() + interval '1 hour' WHERE name = $1",
      [leaseName()],
    );
    await waitFor(() => (d.adapter.status().polling ? undefined : true), { what: "hub-d to stop polling" });
    expect(logged(log.lines, /lost the telegram lease/).length).toBeGreaterThan(0);
    await db.sql.query("DELETE FROM singleton_leases WHERE name = $1", [leaseName()]);
  });
});
