import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dispatcher } from "../../../src/channels/types.ts";
import { createDispatcher } from "../../../src/conversation/dispatcher.ts";
import { createRulesParser } from "../../../src/conversation/parser.ts";
import { createArtifact, getTask, listArtifacts } from "../../../src/core/index.ts";
import { waitFor } from "../../helpers/wait.ts";
import { createEmailHarness, type EmailHarness, HUB, logger, OWNER } from "./harness.ts";

describe("email adapter with the real dispatcher", () => {
  let h: EmailHarness;
  let dispatcher: Dispatcher;

  beforeAll(async () => {
    h = await createEmailHarness();
    dispatcher = createDispatcher({
      sql: h.db.sql,
      parser: createRulesParser(),
      logger,
      config: {
        owner: h.config.owner,
        timeZone: "UTC",
        leaseSeconds: 300,
        maxAttempts: 3,
        agentOfflineSeconds: 120,
        voice: { minConfidence: 0.6 },
      },
    });
    await h.start(dispatcher, {
      deps: {
        createArtifact: (input, actor) =>
          createArtifact(h.db.sql, input, {
            actor: { kind: "person", name: `email:${actor.sender}`, channel: "email" },
          }),
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The owner mails a task in; returns the hub's answer and the task number it names. */
  async function mailTask(
    subject: string,
    text: string,
    attachments: { filename: string; content: Buffer; contentType: string }[] = [],
  ) {
    const messageId = `${randomUUID()}@mail.example.com`;
    await h.dovecot.deliver({
      from: `Alice <${OWNER}>`,
      subject,
      messageId: `<${messageId}>`,
      text,
      attachments,
    });
    const answer = await h.sink.waitForMail((m) => m.inReplyTo === messageId, { what: "the hub's answer" });
    return { messageId, answer, n: Number(/task (\d+)/i.exec(answer.text)?.[1]) };
  }

  it("a mailed task is created with the body as its description and the attachment linked", async () => {
    const bytes = randomBytes(4096);
    const { n, answer } = await mailTask(
      "Draft the launch email !high",
      "Focus on the new pricing.\nKeep it short.\n\nThanks,\nAlice\n-- \nAlice Martin, CEO",
      [{ filename: "pricing.csv", content: bytes, contentType: "text/csv" }],
    );
    expect(n).toBeGreaterThan(0);
    expect(answer.subject).toBe("Re: Draft the launch email !high");
    const task = await getTask(h.db.sql, n);
    expect(task.title).toBe("Draft the launch email");
    expect(task.priority).toBe(75);
    expect(task.description).toBe("Focus on the new pricing.\nKeep it short.");
    const artifacts = await waitFor(async () => {
      const a = await listArtifacts(h.db.sql, { taskRef: n });
      return a.length > 0 && a;
    });
    expect(artifacts[0]).toMatchObject({ name: "pricing.csv", sizeBytes: 4096 });
  });

  it("'done' in a task's thread completes that task", async () => {
    const { n, messageId, answer } = await mailTask("Write the FAQ", "Ten questions.");
    const replyId = `${randomUUID()}@mail.example.com`;
    await h.dovecot.deliver({
      from: OWNER,
      subject: answer.subject,
      messageId: `<${replyId}>`,
      inReplyTo: `<${answer.messageId}>`,
      references: [`<${messageId}>`, `<${answer.messageId}>`],
      text: `done\n\nOn Tue, Mar 3, 2026 at 10:02 AM AgentOps <${HUB}> wrote:\n> ${answer.text.split("\n")[0]}\n`,
    });
    const second = await h.sink.waitForMail((m) => m.inReplyTo === replyId, { what: "the answer to 'done'" });
    expect(second.references).toEqual([messageId, answer.messageId, replyId]);
    expect((await getTask(h.db.sql, n)).status).toBe("completed");
  });

  it("any other reply in a task's thread is a note on that task, and 'cancel' asks first", async () => {
    const { n, messageId, answer } = await mailTask("Book the venue", "Somewhere central.");
    const reply = async (text: string, prev: { messageId?: string | undefined }) => {
      const id = `${randomUUID()}@mail.example.com`;
      await h.dovecot.deliver({
        from: OWNER,
        subject: answer.subject,
        messageId: `<${id}>`,
        inReplyTo: `<${prev.messageId}>`,
        references: [`<${messageId}>`, `<${prev.messageId}>`],
        text,
      });
      return h.sink.waitForMail((m) => m.inReplyTo === id, { what: `the answer to "${text}"` });
    };
    const noted = await reply("Prefer somewhere near the station, budget 2k.", answer);
    expect(noted.text).toMatch(new RegExp(`${n}`));
    const updates = await h.db.sql.query<{ message: string }>(
      "SELECT message FROM task_updates u JOIN tasks t ON t.id = u.task_id WHERE t.number = $1",
      [n],
    );
    expect(updates.rows.map((r) => r.message).join(" ")).toContain("near the station");

    const asked = await reply("cancel", noted);
    expect((await getTask(h.db.sql, n)).status).toBe("pending");
    expect(asked.text.toLowerCase()).toMatch(/sure|cancel/);
    await reply("yes", asked);
    expect((await getTask(h.db.sql, n)).status).toBe("cancelled");
  });
});
