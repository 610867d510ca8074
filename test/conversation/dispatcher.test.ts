import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addTaskUpdate, claimTask, completeTask, getTask, listEvents } from "../../src/core/index.ts";
import { createHarness, type Harness, taskRow } from "./harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.say("start a new project called Website");
});
afterAll(async () => {
  await h.db.drop();
});

const numberOf = (text: string) => Number(/task (\d+)/.exec(text)?.[1]);

describe("a conversation about tasks", () => {
  it("creates, lists, updates 'it', assigns, cancels with a confirmation and undoes", async () => {
    const created = await h.say("add a task to fix the contact form for website, high priority, due friday");
    expect(created.intent).toBe("task.create");
    expect(created.text).toMatch(
      /^I've added task \d+, 'fix the contact form', to Website, high priority, due \w+/,
    );
    const n = created.taskNumber as number;
    expect(n).toBe(numberOf(created.text));
    expect(created.buttons[0]?.map((b) => b.label)).toEqual(["Done", "Assign", "Cancel"]);
    expect(created.actions).toEqual([{ type: "task.created", id: String(n), summary: `created task ${n}` }]);

    const list = await h.say("what's open in website");
    expect(list.intent).toBe("task.list");
    expect(list.text).toContain(`#${n} 'fix the contact form'`);

    const urgent = await h.say("make it urgent");
    expect(urgent.text).toContain(`task ${n}`);
    expect(urgent.text).toContain("critical priority");
    expect((await taskRow(h.db, n))?.priority).toBe(100);

    const assigned = await h.say("give it to Seed");
    expect(assigned.text).toBe(`I've given task ${n}, 'fix the contact form', to seed.`);
    expect((await taskRow(h.db, n))?.assigned_to).toBe("seed");

    const ask = await h.say("cancel it");
    expect(ask.awaitingConfirmation).toBe(true);
    expect(ask.buttons).toEqual([
      [
        { label: "Yes", data: "c:yes" },
        { label: "No", data: "c:no" },
      ],
    ]);
    expect((await taskRow(h.db, n))?.status).toBe("pending");

    const yes = await h.say("yes go ahead");
    expect(yes.intent).toBe("task.cancel");
    expect(yes.text).toContain(`Cancelled task ${n}`);
    expect((await taskRow(h.db, n))?.status).toBe("cancelled");

    const undo = await h.say("undo that");
    expect(undo.intent).toBe("undo");
    expect((await taskRow(h.db, n))?.status).toBe("pending");

    // Undo reaches further back: the assignment, then the priority.
    await h.say("undo");
    expect((await taskRow(h.db, n))?.assigned_to).toBeNull();
    await h.say("undo");
    expect((await taskRow(h.db, n))?.priority).toBe(75);
  });

  it("records who asked and through which channel on the events", async () => {
    const r = await h.say("add a task to water the plants");
    const events = await listEvents(h.db.sql, { types: ["task.created"], limit: 1000 });
    const e = events.find((x) => x.payload.number === r.taskNumber);
    expect(e?.actor).toBe("telegram:100");
    expect(e?.payload.actor).toEqual({ kind: "person", name: "telegram:100", channel: "telegram" });
  });

  it("a 'no' leaves the task alone, and a yes with nothing pending says so", async () => {
    const r = await h.say("add a task to renew the domain");
    const n = r.taskNumber as number;
    await h.say(`cancel task ${n}`);
    const no = await h.say("no, leave it");
    expect(no.text).toMatch(/left it alone/);
    expect((await taskRow(h.db, n))?.status).toBe("pending");
    const yes = await h.say("yes");
    expect(yes.text).toMatch(/nothing waiting/);
    expect((await taskRow(h.db, n))?.status).toBe("pending");
  });

  it("a confirmation expires", async () => {
    let now = new Date();
    const timed = await createHarness({ now: () => now, questionTtlMs: 60_000 });
    try {
      const r = await timed.say("add a task to book the venue");
      const n = r.taskNumber as number;
      await timed.say("cancel it");
      now = new Date(now.getTime() + 61_000);
      const yes = await timed.say("yes");
      expect(yes.text).toMatch(/expired/);
      expect((await taskRow(timed.db, n))?.status).toBe("pending");
    } finally {
      await timed.db.drop();
    }
  });

  it("a question between the confirmation and the yes leaves it pending; a new change drops it", async () => {
    const r = await h.say("add a task to order business cards");
    const n = r.taskNumber as number;
    await h.say("cancel it");
    await h.say("what's open");
    await h.say("yes");
    expect((await taskRow(h.db, n))?.status).toBe("cancelled");

    const r2 = await h.say("add a task to print flyers");
    const m = r2.taskNumber as number;
    await h.say("cancel it");
    await h.say("add a task to call the printer");
    const yes = await h.say("yes");
    expect(yes.text).toMatch(/nothing waiting/);
    expect((await taskRow(h.db, m))?.status).toBe("pending");
  });

  it("asks which task when a title fragment matches several, and takes 'the second one'", async () => {
    const a = (await h.say("add a task to write the landing page copy")).taskNumber as number;
    const b = (await h.say("add a task to design the landing page hero")).taskNumber as number;
    const c = (await h.say("add a task to test the landing page forms")).taskNumber as number;
    const ask = await h.say("mark the landing page task as done");
    expect(ask.text).toMatch(/Which one\?/);
    const options = [...ask.text.matchAll(/task (\d+)/g)].map((m) => Number(m[1]));
    expect([...options].sort()).toEqual([a, b, c].sort());
    expect(ask.text.split("\n").length).toBeLessThanOrEqual(4);

    const pick = await h.say("the second one");
    expect(pick.intent).toBe("task.complete");
    const second = options[1] as number;
    expect(pick.taskNumber).toBe(second);
    expect((await taskRow(h.db, second))?.status).toBe("completed");
  });

  it("takes a task number or title words as the answer to 'which one'", async () => {
    const x = (await h.say("add a task to draft the newsletter intro")).taskNumber as number;
    const y = (await h.say("add a task to draft the newsletter outro")).taskNumber as number;
    await h.say("make the draft newsletter task high priority");
    const pick = await h.say(String(y));
    expect(pick.intent).toBe("task.update");
    expect((await taskRow(h.db, y))?.priority).toBe(75);
    expect((await taskRow(h.db, x))?.priority).toBe(50);

    await h.say("cancel the draft newsletter task");
    const byWords = await h.say("the intro one");
    expect(byWords.awaitingConfirmation).toBe(true);
    expect(byWords.taskNumber).toBe(x);
    await h.say("yes");
    expect((await taskRow(h.db, x))?.status).toBe("cancelled");
  });

  it("an agent's question blocks the task; the person's reply answers it and unblocks it", async () => {
    const n = (await h.say("add a task to set up payments for website")).taskNumber as number;
    const claimed = await claimTask(h.db.sql, n, "seed", { leaseSeconds: 300 });
    await addTaskUpdate(
      h.db.sql,
      n,
      { updateType: "question", message: "Stripe or PayPal?" },
      { actor: { kind: "agent", name: "seed" }, claimToken: claimed.claimToken },
    );
    expect((await taskRow(h.db, n))?.status).toBe("blocked");

    const show = await h.say(`how is task ${n} doing`);
    expect(show.text).toContain("Stripe or PayPal?");

    const answer = await h.say(`reply to ${n}: go with Stripe`);
    expect(answer.intent).toBe("task.comment");
    expect(answer.text).toMatch(/passed your answer to seed/);
    expect((await taskRow(h.db, n))?.status).toBe("in_progress");
    const updates = await h.db.sql.query<{ update_type: string; message: string }>(
      "SELECT update_type, message FROM task_updates u JOIN tasks t ON t.id = u.task_id WHERE t.number = $1 ORDER BY u.created_at",
      [n],
    );
    expect(updates.rows.at(-1)).toEqual({ update_type: "answer", message: "go with Stripe" });

    // A comment can't be taken back: undo says so and changes nothing.
    const undo = await h.say("undo");
    expect(undo.text).toMatch(/can't take back/);
    expect((await taskRow(h.db, n))?.status).toBe("in_progress");
  });

  it("an email thread's task is what 'it' and a missing task mean", async () => {
    const n = (await h.say("add a task to update the privacy policy")).taskNumber as number;
    await h.say("add a task to something else entirely");
    const r = await h.dispatcher.handle({
      channel: "email",
      sender: "Ana@Example.com",
      conversation: "thread-1",
      text: "Re: task update",
      body: "please use the 2024 template",
      messageId: "mail-1",
      receivedAt: new Date(),
      preset: { intent: "task.comment", slots: { message: "please use the 2024 template" } },
      context: { taskNumber: n },
    });
    expect(r.intent).toBe("task.comment");
    expect(r.taskNumber).toBe(n);
  });

  it("undo of a change an agent moved on from leaves the task alone", async () => {
    const n = (await h.say("add a task to compress the images")).taskNumber as number;
    await h.say("make it urgent");
    const claimed = await claimTask(h.db.sql, n, "seed", { leaseSeconds: 300 });
    await completeTask(
      h.db.sql,
      n,
      { claimToken: claimed.claimToken },
      { actor: { kind: "agent", name: "seed" } },
    );
    const undo = await h.say("undo");
    expect(undo.text).toMatch(/changed since/);
    expect((await getTask(h.db.sql, n)).status).toBe("completed");
  });
});

describe("projects and agents", () => {
  it("finds projects case-insensitively and by close match, and pauses, resumes, cancels with a yes", async () => {
    const show = await h.say("how far along is websit");
    expect(show.intent).toBe("project.show");
    expect(show.text).toMatch(/^Website:/);

    const pause = await h.say("put website on hold");
    expect(pause.text).toBe("I've put Website on hold.");
    const resume = await h.say("resume Website");
    expect(resume.text).toBe("I've resumed Website.");

    await h.say("start a new project called Side Quest");
    const ask = await h.say("kill the side quest project");
    expect(ask.awaitingConfirmation).toBe(true);
    const yes = await h.say("yes");
    expect(yes.text).toMatch(/cancelled Side Quest/);
    const undo = await h.say("undo");
    expect(undo.intent).toBe("undo");
    const r = await h.db.sql.query<{ status: string }>(
      "SELECT status FROM projects WHERE name = 'Side Quest'",
    );
    expect(r.rows[0]?.status).toBe("active");
  });

  it("names projects it does not know, lists what it does, and offers to start it", async () => {
    const r = await h.say("add a task to plan the party for Nonexistent Thing");
    expect(r.text).toMatch(/I don't know a project called "Nonexistent Thing"/);
    expect(r.text).toContain("Website");
    expect(r.awaitingConfirmation).toBe(true);
    const no = await h.say("no");
    expect(no.text).not.toMatch(/added/i);
    const none = await h.db.sql.query("SELECT 1 FROM tasks WHERE title = 'plan the party'");
    expect(none.rowCount).toBe(0);

    await h.say("add a task to plan the party for Nonexistent Thing");
    const yes = await h.say("yes");
    expect(yes.text).toMatch(/plan the party/);
    const made = await h.db.sql.query<{ project: string }>(
      "SELECT p.name AS project FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.title = 'plan the party'",
    );
    expect(made.rows).toEqual([{ project: "Nonexistent Thing" }]);
  });

  it("lists an agent's tasks when its name is said where a project goes (/tasks seed)", async () => {
    const n = (await h.say("add a task for seed to water the office plants")).taskNumber as number;
    const r = await h.say("/tasks seed");
    expect(r.intent).toBe("task.list");
    expect(r.text).toMatch(/open tasks? for seed/);
    expect(r.text).toContain(`#${n} 'water the office plants'`);
    expect((await h.say("/tasks nosuchthing")).text).toMatch(/project/i);
  });

  it("counts an agent that holds a task as working, heartbeat or not", async () => {
    await h.say("create an agent called quiet-worker");
    const n = (await h.say("add a task for quiet-worker to index the archive")).taskNumber as number;
    await claimTask(h.db.sql, n, "quiet-worker", { leaseSeconds: 300 });
    const shown = await h.say("is quiet-worker online");
    expect(shown.text).toContain(`quiet-worker is working, on task ${n}`);
    const working = await h.say("who is working right now");
    expect(working.text).toContain(`quiet-worker: working, on task ${n}`);
    expect(working.text).not.toMatch(/none working/);
  });

  it("registers an agent without showing a key and says how to get one", async () => {
    const r = await h.say("create an agent called researcher for web research");
    expect(r.intent).toBe("agent.create");
    expect(r.text).toContain("agentops agent add researcher");
    expect(r.text).not.toMatch(/aoh_/);
    const keys = await h.db.sql.query("SELECT 1 FROM api_keys WHERE agent_name = 'researcher'");
    expect(keys.rowCount).toBe(0);
    const list = await h.say("who is working right now");
    expect(list.text).toContain("researcher");
    const show = await h.say("is researcher online");
    expect(show.intent).toBe("agent.show");
  });

  it("sets the notification level, and undo puts it back", async () => {
    const r = await h.say("only ping me when something is blocked");
    expect(r.intent).toBe("notify.set");
    await h.say("mute notifications");
    let prefs = await h.db.sql.query<{ level: string }>("SELECT level FROM notification_preferences");
    expect(prefs.rows[0]?.level).toBe("none");
    await h.say("undo");
    prefs = await h.db.sql.query<{ level: string }>("SELECT level FROM notification_preferences");
    expect(prefs.rows[0]?.level).toBe("important");
  });

  it("lists finished tasks the most recent first, and says how many there are beyond the list", async () => {
    await h.say("start a new project called Archive");
    await h.db.sql.query(
      `INSERT INTO tasks (title, status, completed_at, project_id, priority)
       SELECT 'old chore ' || g, 'completed', now() - g * interval '1 hour',
              (SELECT id FROM projects WHERE name = 'Archive'), CASE WHEN g = 250 THEN 100 ELSE 50 END
       FROM generate_series(1, 250) g`,
    );
    const list = await h.say("list completed tasks in archive");
    expect(list.intent).toBe("task.list");
    expect(list.text).toMatch(/^250 finished tasks in Archive:/);
    expect(list.text).toContain("and 244 more");
    // What got done lately, not the most important of all time (chore 250, critical, is the oldest).
    expect(list.text.split("\n")[1]).toMatch(/'old chore 1' \(done/);
    expect(list.text).not.toContain("'old chore 250'");
  });

  it("answers help, briefing and what it did not catch", async () => {
    expect((await h.say("what can you do")).intent).toBe("help");
    const brief = await h.say("brief me");
    expect(brief.intent).toBe("briefing");
    expect(brief.text).toMatch(/finished/);
    const unknown = await h.say("purple monkey dishwasher");
    expect(unknown.intent).toBe("unknown");
    expect(unknown.text).toMatch(/didn't catch/);
  });

  it("reads back a completion found by one word of a title before marking it done", async () => {
    const n = (await h.say("add a task to oil the squeaky gate")).taskNumber as number;
    const ask = await h.say("close the gate");
    expect(ask.text).toBe(`Mark task ${n}, 'oil the squeaky gate', as done? Say yes to go ahead.`);
    expect((await taskRow(h.db, n))?.status).toBe("pending");
    expect((await h.say("yes")).text).toContain(`Marked task ${n}`);
    expect((await taskRow(h.db, n))?.status).toBe("completed");
    // more words, or the task's number, are no guess
    const m = (await h.say("add a task to paint the squeaky fence")).taskNumber as number;
    expect((await h.say("mark the squeaky fence as done")).text).toContain(`Marked task ${m}`);
  });

  it("reads a rename back with the title the task had and the one it has now", async () => {
    const n = (await h.say("add a task to write the blog post")).taskNumber as number;
    const renamed = await h.say(`rename task ${n} to write the launch blog post`);
    expect(renamed.text).toBe(
      `Done: task ${n}, 'write the blog post', is renamed to 'write the launch blog post'.`,
    );
    expect((await taskRow(h.db, n))?.title).toBe("write the launch blog post");
  });

  it("answers 'how's the X going' with the project of that name, else the task with that title", async () => {
    const n = (await h.say("add a task to build the zebra pricing page")).taskNumber as number;
    const task = await h.say("how's the zebra pricing page going");
    expect(task.intent).toBe("task.show");
    expect(task.text).toContain(`Task ${n}, 'build the zebra pricing page'`);
    const project = await h.say("how's the website going");
    expect(project.intent).toBe("project.show");
    expect(project.text).toContain("Website");
    expect((await h.say("how's the moon landing going")).text).toMatch(/project/i);
  });

  it("'ask seed to draft the report' gives seed a new task in those words", async () => {
    const r = await h.say("ask seed to draft the quarterly report");
    expect(r.intent).toBe("task.create");
    const row = await taskRow(h.db, r.taskNumber as number);
    expect(row?.title).toBe("draft the quarterly report");
    expect(row?.assigned_to).toBe("seed");
  });

  it("several tasks at once, and 'let me know when', are answered with what to say instead", async () => {
    const before = await h.db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM tasks");
    const several = await h.say("add three tasks to website: hero image, pricing page and contact form");
    expect(several.text).toBe(
      `I add one task at a time. Say each one, like "add a task to design the hero image".`,
    );
    const when = await h.say("let me know when seed is done");
    expect(when.text).toContain('"notify me of everything"');
    const after = await h.db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM tasks");
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });

  it("takes thanks and goodbyes kindly, not as something it did not catch", async () => {
    expect((await h.say("thanks")).text).toBe("You're welcome.");
    expect((await h.say("thank you so much cos!")).text).toBe("You're welcome.");
    // "great" alone would be a yes; with nothing to say yes to, it is thanks
    expect((await h.say("great, thanks")).text).toBe("You're welcome.");
    expect((await h.say("ok bye")).text).toBe("Talk soon.");
    expect((await h.say("thanks, and add a task to water the plants")).intent).toBe("task.create");
  });
});

describe("state across restarts and channels", () => {
  it("keeps the last task, a pending confirmation and the undo stack across a restart", async () => {
    const n = (await h.say("add a task to archive old invoices")).taskNumber as number;
    await h.say("cancel it");
    h.restart();
    await h.say("yes");
    expect((await taskRow(h.db, n))?.status).toBe("cancelled");
    h.restart();
    await h.say("undo");
    expect((await taskRow(h.db, n))?.status).toBe("pending");
  });

  it("keeps each conversation's state apart", async () => {
    const n = (await h.say("add a task to email the accountant")).taskNumber as number;
    const other = await h.say("mark it done", { channel: "discord", sender: "200", conversation: "dm-200" });
    expect(other.text).toMatch(/Which task/);
    expect((await taskRow(h.db, n))?.status).toBe("pending");
  });

  it("a button press takes the same path as words", async () => {
    const n = (await h.say("add a task to sign the lease")).taskNumber as number;
    const r = await h.say("", { preset: { intent: "task.complete", slots: { task: n } } });
    expect(r.intent).toBe("task.complete");
    expect((await taskRow(h.db, n))?.status).toBe("completed");
  });

  it("reads back a doubtful voice transcript and acts only on a yes", async () => {
    const voice = { channel: "voice" as const, sender: "+33 6 00 00 00 00", conversation: "call-1" };
    const before = await h.db.sql.query("SELECT count(*)::int AS n FROM tasks");
    const ask = await h.say("add a task to call the plumber", {
      ...voice,
      context: { transcriptConfidence: 0.3, heard: "add a task to call the plumber" },
    });
    expect(ask.awaitingConfirmation).toBe(true);
    expect(ask.text).toContain('I heard "add a task to call the plumber"');
    expect((await h.db.sql.query("SELECT count(*)::int AS n FROM tasks")).rows).toEqual(before.rows);
    const yes = await h.say("yes", { ...voice, context: { transcriptConfidence: 0.9 } });
    expect(yes.intent).toBe("task.create");
    expect(yes.text).toContain("call the plumber");
  });
});
