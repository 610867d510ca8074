import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutboundMessage } from "../../src/channels/types.ts";
import {
  addTaskUpdate,
  claimTask,
  completeTask,
  createTask,
  failTask,
  markOfflineAgents,
  registerAgent,
} from "../../src/core/index.ts";
import { briefingReply, gatherBriefing } from "../../src/cos/briefing.ts";
import { nextBriefingAt, runBriefingScheduler } from "../../src/cos/briefing-scheduler.ts";
import { localDate, zonedParts } from "../../src/cos/time.ts";
import { createHarness, type Harness, logger } from "../conversation/harness.ts";
import { waitFor } from "../helpers/wait.ts";
import { assertSpeakable } from "./speakable.ts";

const agent = (name = "seed") => ({ actor: { kind: "agent" as const, name } });
const TZ = "Europe/Paris";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  const sql = h.db.sql;
  const done = await createTask(
    sql,
    { title: "ship the newsletter", assignedTo: "seed", priority: "high" },
    agent(),
  );
  const c1 = await claimTask(sql, done.number, "seed", { leaseSeconds: 300 });
  await completeTask(sql, done.number, { claimToken: c1.claimToken }, agent());

  const asks = await createTask(sql, { title: "choose the hosting", assignedTo: "seed" }, agent());
  const c2 = await claimTask(sql, asks.number, "seed", { leaseSeconds: 300 });
  await addTaskUpdate(
    sql,
    asks.number,
    { updateType: "question", message: "AWS or Scaleway?" },
    { ...agent(), claimToken: c2.claimToken },
  );

  const fails = await createTask(sql, { title: "import the contacts", assignedTo: "seed" }, agent());
  const c3 = await claimTask(sql, fails.number, "seed", { leaseSeconds: 300 });
  await failTask(sql, fails.number, { claimToken: c3.claimToken, error: "CSV is malformed" }, agent());

  await createTask(sql, { title: "renew the certificate", dueAt: new Date(Date.now() + 3600_000) }, agent());
  await registerAgent(
    sql,
    { name: "researcher", type: "specialist" },
    { actor: { kind: "admin", name: "admin" } },
  );
  await sql.query(
    "UPDATE agents SET last_heartbeat_at = now() - interval '1 hour' WHERE name = 'researcher'",
  );
  await markOfflineAgents(sql, { agentOfflineSeconds: 120 });
});
afterAll(async () => {
  await h.db.drop();
});

describe("briefing", () => {
  it("says what finished, what waits for the person, what failed, what is due, who is offline", async () => {
    const now = new Date();
    const data = await gatherBriefing(h.db.sql, { now, since: new Date(now.getTime() - 86_400_000) });
    const r = briefingReply(data, { now, timeZone: TZ });
    expect(r.text).toContain("'ship the newsletter'");
    expect(r.text).toMatch(
      /Waiting for your answer:\n#\d+ 'choose the hosting': seed asks "AWS or Scaleway\?"/,
    );
    expect(r.text).toMatch(/Failed: #\d+ 'import the contacts'/);
    expect(r.text).toMatch(/Due soon: #\d+ 'renew the certificate' today/);
    expect(r.text).toMatch(/Offline: .*researcher/);
    assertSpeakable(r.speech);
    // What needs the person comes first.
    expect(r.speech).toMatch(/^Seed needs your answer on task \d+/);
  });

  it("is what 'brief me' answers", async () => {
    const r = await h.say("brief me");
    expect(r.intent).toBe("briefing");
    expect(r.text).toContain("AWS or Scaleway?");
  });

  it("computes the next fire time in the person's time zone", () => {
    const now = new Date("2026-03-28T12:00:00Z"); // the day before Paris moves to summer time
    const next = nextBriefingAt("08:30", TZ, now);
    expect(next.toISOString()).toBe("2026-03-29T06:30:00.000Z");
    expect(nextBriefingAt("08:30", TZ, next).toISOString()).toBe("2026-03-30T06:30:00.000Z");
    // 13:00 in Paris is exactly now: strictly after means tomorrow, in summer time.
    expect(nextBriefingAt("13:00", TZ, now).toISOString()).toBe("2026-03-29T11:00:00.000Z");
  });

  it("sends the daily briefing at BRIEFING_TIME through the send function, once", async () => {
    // The person talked on Telegram: that is where the briefing goes.
    await h.say("what's open");
    // A clock a little before the next whole minute in Paris, so the scheduler fires shortly.
    const real = Date.now();
    const p = zonedParts(new Date(real + 60_000), TZ);
    const time = `${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`;
    const fireAt = nextBriefingAt(time, TZ, new Date(real));
    const offset = fireAt.getTime() - 150 - real;
    const now = () => new Date(Date.now() + offset);

    const sent: { channel: string; conversation: string; msg: OutboundMessage }[] = [];
    const send = async (channel: string, conversation: string, msg: OutboundMessage) => {
      sent.push({ channel, conversation, msg });
    };
    const ac = new AbortController();
    const a = runBriefingScheduler({
      sql: h.db.sql,
      time,
      timeZone: TZ,
      send,
      logger,
      signal: ac.signal,
      now,
    });
    // A second hub instance on the same database: only one of them sends.
    const b = runBriefingScheduler({
      sql: h.db.sql,
      time,
      timeZone: TZ,
      send,
      logger,
      signal: ac.signal,
      now,
    });
    await waitFor(() => sent.length >= 1, { what: "the daily briefing" });
    await waitFor(async () => {
      const r = await h.db.sql.query(
        "SELECT 1 FROM notification_preferences WHERE last_briefing_at IS NOT NULL",
      );
      return r.rowCount > 0;
    });
    ac.abort();
    await Promise.all([a, b]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.channel).toBe("telegram");
    expect(sent[0]?.msg.text).toMatch(/Since the last briefing/);
    expect(localDate(fireAt, TZ)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("stops at once when the signal aborts", async () => {
    const ac = new AbortController();
    const run = runBriefingScheduler({
      sql: h.db.sql,
      time: "03:00",
      timeZone: TZ,
      send: async () => {},
      logger,
      signal: ac.signal,
    });
    ac.abort();
    await run;
  });
});
