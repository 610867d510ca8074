import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness.ts";

describe("a message redelivered after a crash between acting and answering", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.db.drop();
  });

  const count = async () =>
    (
      await h.db.sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM tasks WHERE title = 'call the bank'",
      )
    ).rows[0]?.n;

  it("gets its answer again until the adapter confirms delivery, and acts once", async () => {
    const u = { messageId: "tg:100:777", confirmsDelivery: true } as const;
    const first = await h.say("add a task to call the bank", u);
    expect(first.silent).toBe(false);
    expect(first.text).toMatch(/call the bank/);

    // The hub died before the reply went out: a restart sees the same update again.
    h.restart();
    const again = await h.say("add a task to call the bank", u);
    expect(again.silent).toBe(false);
    expect(again.text).toBe(first.text);
    expect(await count()).toBe(1);

    await h.dispatcher.delivered?.({ channel: "telegram", messageId: u.messageId });
    const third = await h.say("add a task to call the bank", u);
    expect(third.silent).toBe(true);
    expect(await count()).toBe(1);
  });

  it("stays silent on redelivery for adapters that do not confirm delivery", async () => {
    const u = { messageId: "dc:555" } as const;
    await h.say("add a task to water the plants", u);
    expect((await h.say("add a task to water the plants", u)).silent).toBe(true);
  });
});
