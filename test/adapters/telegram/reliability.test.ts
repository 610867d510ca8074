import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadOffset } from "../../../adapters/telegram/offset-store.ts";
import {
  CONFLICT_OTHER_POLLER,
  conflict,
  type FakeTelegram,
  startFakeTelegram,
  tooManyRequests,
} from "../../fakes/telegram-bot-api.ts";
import { createTestDatabase, type TestDb } from "../../helpers/db.ts";
import { waitFor } from "../../helpers/wait.ts";
import { logged, memoryLogger, OWNER, type Running, startAdapter, testDispatcher } from "./harness.ts";

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
  expect(log.raw.join("")).not.toContain(fake.token.split(":")[1]);
});
afterAll(async () => {
  await fake.close();
  await db.drop();
});

const start = async (o: Parameters<typeof startAdapter>[3] = {}) => {
  const r = await startAdapter(fake, db.sql, log.logger, o);
  running.push(r);
  return r;
};
const offsetPast = (updateId: number) =>
  waitFor(async () => ((await loadOffset(db.sql)) ?? 0) > updateId || undefined, {
    what: "the offset to move",
  });

describe("telegram polling reliability", () => {
  it("a restart resumes from the persisted offset: updates sent while down arrive once, in order", async () => {
    const first = await start();
    const one = fake.pushText(OWNER, OWNER, "one");
    await fake.waitForMessage((m) => m.plain === "ok: one");
    await offsetPast(one.update_id);
    await first.adapter.stop();

    const two = fake.pushText(OWNER, OWNER, "two");
    fake.pushText(OWNER, OWNER, "three");
    const callsBefore = fake.calls.length;
    const second = await start();
    await fake.waitForMessage((m) => m.plain === "ok: three");
    expect(second.dispatcher.utterances.map((u) => u.text)).toEqual(["two", "three"]);
    const firstPoll = fake.calls.slice(callsBefore).find((c) => c.method === "getUpdates");
    expect(Number(firstPoll?.params.offset)).toBe(two.update_id);
    expect(fake.sent.filter((m) => m.plain === "ok: one")).toHaveLength(1);
  });

  it("a redelivered update (same update_id offered again after a restart) does nothing twice", async () => {
    const first = await start();
    const hello = fake.pushText(OWNER, OWNER, "hello once");
    await fake.waitForMessage((m) => m.plain === "ok: hello once");
    await offsetPast(hello.update_id);
    await first.adapter.stop();

    fake.redeliver(hello);
    const second = await start();
    const next = fake.pushText(OWNER, OWNER, "after");
    await fake.waitForMessage((m) => m.plain === "ok: after");
    await offsetPast(next.update_id);
    expect(second.dispatcher.utterances.map((u) => u.text)).toEqual(["after"]);
    expect(first.dispatcher.utterances.map((u) => u.text)).toEqual(["hello once"]);
    expect(fake.sent.filter((m) => m.plain === "ok: hello once")).toHaveLength(1);
  });

  it("stop() cuts a waiting long poll at once and drains the update in hand before confirming it", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const dispatcher = testDispatcher(async (u) => {
      if (u.text === "slow") await gate;
      return {};
    });
    const r = await start({ dispatcher, tuning: { pollTimeoutSeconds: 30 } });

    const slow = fake.pushText(OWNER, OWNER, "slow");
    await waitFor(() => dispatcher.utterances.find((u) => u.text === "slow"), {
      what: "the slow message in hand",
    });
    const stopped = r.adapter.stop();
    release();
    await stopped;
    expect(fake.sent.some((m) => m.plain === "ok: slow")).toBe(true);
    expect(await loadOffset(db.sql)).toBe(slow.update_id + 1);

    const idleFrom = fake.calls.length;
    const idle = await start({ tuning: { pollTimeoutSeconds: 30 } });
    await fake.waitForCall(
      "getUpdates",
      (c) => fake.calls.indexOf(c) >= idleFrom && Number(c.params.timeout) === 30,
    );
    const t0 = Date.now();
    await idle.adapter.stop();
    expect(Date.now() - t0).toBeLessThan(1_000);
    await idle.adapter.stop(); // safe twice
  });

  it("a 429 storm: every message still delivered exactly once, in order, after retry_after", async () => {
    const r = await start();
    fake.failNext("sendMessage", tooManyRequests(1), 3);
    const before = fake.sent.length;
    const t0 = Date.now();
    await Promise.all(["first", "second", "third"].map((t) => r.adapter.send(String(OWNER), { text: t })));
    expect(fake.sent.slice(before).map((m) => m.plain)).toEqual(["first", "second", "third"]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3_000);
    expect(logged(log.lines, /rate limit \(429\)/).length).toBeGreaterThanOrEqual(3);

    // a reply to a message meets 429s too and still arrives once
    fake.failNext("sendMessage", tooManyRequests(1), 2);
    fake.pushText(OWNER, OWNER, "during the storm");
    await fake.waitForMessage((m) => m.plain === "ok: during the storm");
    expect(fake.sent.filter((m) => m.plain === "ok: during the storm")).toHaveLength(1);
  });

  it("a 409 Conflict from getUpdates backs off exponentially, says why in the log, and polling recovers", async () => {
    const linesBefore = log.lines.length;
    fake.failNext("getUpdates", conflict(), 3);
    await start();
    fake.pushText(OWNER, OWNER, "after the conflict");
    await fake.waitForMessage((m) => m.plain === "ok: after the conflict");
    const conflicts = logged(log.lines.slice(linesBefore), /409 Conflict/);
    expect(conflicts).toHaveLength(3);
    expect(conflicts.map((l) => l.waitMs)).toEqual([50, 100, 200]);
    expect(String(conflicts[0]?.err)).toContain("terminated by other getUpdates request");
  });

  it("another poller on the same token cuts ours off (409): we back off and carry on", async () => {
    const linesBefore = log.lines.length;
    const callsFrom = fake.calls.length;
    await start({ tuning: { pollTimeoutSeconds: 30 } });
    await fake.waitForCall("getUpdates", (c) => fake.calls.indexOf(c) >= callsFrom);
    const conflictsBefore = fake.pollerConflicts;
    const intruder = await fetch(`${fake.apiRoot}/bot${fake.token}/getUpdates?timeout=0`);
    expect(intruder.status).toBe(200);
    await waitFor(() => logged(log.lines.slice(linesBefore), /409 Conflict/)[0], { what: "the 409 logged" });
    expect(fake.pollerConflicts).toBe(conflictsBefore + 1);
    expect(String(logged(log.lines.slice(linesBefore), /409 Conflict/)[0]?.err)).toContain(
      CONFLICT_OTHER_POLLER.slice(0, 40),
    );
    fake.pushText(OWNER, OWNER, "still here");
    await fake.waitForMessage((m) => m.plain === "ok: still here");
  });

  it("paces one chat about perChatInterval apart while other chats go ahead", async () => {
    const r = await start({ tuning: { perChatIntervalMs: 300 } });
    const before = fake.sent.length;
    const a = ["a1", "a2", "a3"].map((t) => r.adapter.send("1001", { text: t }));
    const b = r.adapter.send("2002", { text: "b1" });
    await Promise.all([...a, b]);
    const sent = fake.sent.slice(before);
    const chatA = sent.filter((m) => m.chat_id === 1001);
    expect(chatA.map((m) => m.plain)).toEqual(["a1", "a2", "a3"]);
    for (let i = 1; i < chatA.length; i++) {
      expect((chatA[i]?.at ?? 0) - (chatA[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(280);
    }
    const b1 = sent.find((m) => m.chat_id === 2002);
    expect(b1?.at).toBeLessThan(chatA[1]?.at ?? 0);
  });
});
