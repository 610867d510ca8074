import { randomUUID } from "node:crypto";
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setChannelState } from "../../../src/channels/state.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  createEmailHarness,
  createTestDispatcher,
  type EmailHarness,
  FAST,
  logger,
  OWNER,
} from "./harness.ts";

describe("email adapter: exactly once across restarts and instances", () => {
  let h: EmailHarness;
  beforeAll(async () => {
    h = await createEmailHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const repliesTo = (ids: Set<string>) => h.sink.mails.filter((m) => m.inReplyTo && ids.has(m.inReplyTo));

  it("a restart in the middle of a batch of 50 handles each message exactly once", async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `batch-${i}-${randomUUID()}@mail.example.com`);
    for (const [i, id] of ids.entries()) {
      await h.dovecot.deliver({
        from: OWNER,
        subject: `Batch task ${i}`,
        text: `Item ${i}.`,
        messageId: `<${id}>`,
      });
    }
    const first = createTestDispatcher({ firstTask: 1000 });
    const a = h.adapter({
      instanceId: "hub-a",
      deps: { tuning: { ...FAST, replyLimit: { limit: 1000, windowMs: 60_000 } } },
    });
    let stopping: Promise<void> | undefined;
    first.onHandle = () => {
      // stop after ~20: the message in hand is finished, nothing after it is started
      if (first.utterances.length === 20) stopping = a.stop();
    };
    await a.start({ dispatcher: first, logger, signal: new AbortController().signal });
    await waitFor(() => stopping !== undefined, { what: "the first instance to stop", timeoutMs: 30_000 });
    await stopping;
    const handledByA = first.utterances.length;
    expect(handledByA).toBe(20);

    // a new instance with a dispatcher that remembers nothing: a repeat would show
    const second = createTestDispatcher({ firstTask: 2000 });
    const b = await h.start(second, {
      instanceId: "hub-b",
      deps: { tuning: { ...FAST, replyLimit: { limit: 1000, windowMs: 60_000 } } },
    });
    const all = new Set(ids);
    await waitFor(() => repliesTo(all).length >= 50, { timeoutMs: 60_000, what: "50 answers" });
    const handled = [...first.utterances, ...second.utterances].map((u) => u.messageId);
    expect(handled.sort()).toEqual([...ids].sort());
    expect(new Set(repliesTo(all).map((m) => m.inReplyTo)).size).toBe(50);
    expect(repliesTo(all)).toHaveLength(50);
    await waitFor(async () => (await h.dovecot.list("INBOX")).length === 0, { what: "an empty INBOX" });
    const done = new Set((await h.dovecot.list("AgentOps/Done")).map((m) => m.messageId));
    for (const id of ids) expect(done.has(id)).toBe(true);
    await b.stop();
  });

  it("after a UIDVALIDITY change the rescan does not act twice on a message it handled", async () => {
    const running = createTestDispatcher({ firstTask: 3000 });
    const id = `again-${randomUUID()}@mail.example.com`;
    const raw = Buffer.from(
      `From: ${OWNER}\r\nTo: hub@agentops.test\r\nSubject: Once only\r\nMessage-ID: <${id}>\r\nDate: ${new Date().toUTCString()}\r\n\r\nJust once.\r\n`,
    );
    await h.dovecot.deliver({ raw, envelopeFrom: OWNER });
    const c = await h.start(running, { instanceId: "hub-c" });
    await h.sink.waitForMail((m) => m.inReplyTo === id);
    await c.stop();

    // the same message back in INBOX, and the mailbox's UIDVALIDITY no longer what we stored
    const client = new ImapFlow({
      host: "127.0.0.1",
      port: h.dovecot.imapPort,
      secure: false,
      auth: { user: h.dovecot.user, pass: h.dovecot.password },
      logger: false,
    });
    await client.connect();
    await client.append("INBOX", raw);
    await client.logout();
    const label = `${h.dovecot.user}@127.0.0.1:${h.dovecot.imapPort}`;
    await setChannelState(h.db.sql, "email", `mailbox:${label}`, { uidValidity: "1", lastUid: 999_999 });

    const fresh = createTestDispatcher({ firstTask: 4000 });
    const d = await h.start(fresh, { instanceId: "hub-d" });
    await waitFor(async () => (await h.dovecot.list("INBOX")).length === 0, {
      what: "the rescan to file it",
    });
    expect(fresh.utterances.map((u) => u.messageId)).not.toContain(id);
    expect(h.sink.mails.filter((m) => m.inReplyTo === id)).toHaveLength(1);
    await d.stop();
  });

  it("only the lease holder watches; another instance takes over when it stops", async () => {
    const one = createTestDispatcher({ firstTask: 5000 });
    const two = createTestDispatcher({ firstTask: 6000 });
    const a = await h.start(one, { instanceId: "hub-e" });
    const b = await h.start(two, { instanceId: "hub-f" });
    const id1 = `lease-1-${randomUUID()}@mail.example.com`;
    await h.dovecot.deliver({ from: OWNER, subject: "Lease one", text: "x", messageId: `<${id1}>` });
    await h.sink.waitForMail((m) => m.inReplyTo === id1);
    const holders = [one, two].filter((d) => d.utterances.some((u) => u.messageId === id1));
    expect(holders).toHaveLength(1);
    const [holder, other] = holders[0] === one ? [a, two] : [b, one];
    await holder.stop();
    const id2 = `lease-2-${randomUUID()}@mail.example.com`;
    await h.dovecot.deliver({ from: OWNER, subject: "Lease two", text: "y", messageId: `<${id2}>` });
    await h.sink.waitForMail((m) => m.inReplyTo === id2, { timeoutMs: 20_000 });
    expect(other.utterances.map((u) => u.messageId)).toContain(id2);
    expect(h.sink.mails.filter((m) => m.inReplyTo === id1 || m.inReplyTo === id2)).toHaveLength(2);
    await Promise.all([a.stop(), b.stop()]);
  });
});
