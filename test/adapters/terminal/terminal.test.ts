import { PassThrough } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTerminalAdapter } from "../../../adapters/terminal/index.ts";
import { createHarness, type Harness, logger } from "../../conversation/harness.ts";
import { waitFor } from "../../helpers/wait.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.db.drop();
});

function streams() {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = "";
  output.on("data", (c: Buffer) => {
    printed += c.toString("utf8");
  });
  return { input, output, printed: () => printed };
}

it("chats with the dispatcher as the owner, prints notifications, and ends on /quit", async () => {
  const io = streams();
  const adapter = createTerminalAdapter({}, { input: io.input, output: io.output });
  expect(adapter.name).toBe("terminal");
  const ac = new AbortController();
  await adapter.start({ dispatcher: h.dispatcher, logger, signal: ac.signal });
  await adapter.start({ dispatcher: h.dispatcher, logger, signal: ac.signal });

  io.input.write("add a task to water the ficus\n");
  await waitFor(() => io.printed().includes("I've added task"), { what: "the reply" });
  const n = Number(/added task (\d+)/.exec(io.printed())?.[1]);

  io.input.write("cancel it\n");
  await waitFor(() => io.printed().includes("(yes / no)"), { what: "the confirmation hint" });
  io.input.write("yes\n");
  await waitFor(() => io.printed().includes(`Cancelled task ${n}`), { what: "the cancellation" });

  await adapter.send("local", { text: "seed finished task 3, 'something'." });
  expect(io.printed()).toMatch(/\[\d\d:\d\d\] seed finished task 3/);

  // Events are recorded as the terminal owner's.
  const e = await h.db.sql.query<{ actor: string }>(
    "SELECT actor FROM events WHERE event_type = 'task.cancelled' ORDER BY id DESC LIMIT 1",
  );
  expect(e.rows[0]?.actor).toBe("terminal:owner");

  io.input.write("/quit\n");
  await adapter.closed;
  await adapter.stop();
});

it("answers lines in order and ends at EOF after the last reply", async () => {
  const io = streams();
  const adapter = createTerminalAdapter({ prompt: "you> " }, { input: io.input, output: io.output });
  await adapter.start({ dispatcher: h.dispatcher, logger, signal: new AbortController().signal });
  io.input.write("what can you do\n\nwhat's open\n");
  io.input.end();
  await adapter.closed;
  const out = io.printed();
  const help = out.indexOf("Here's what I can do");
  const list = out.search(/open tasks?:|No open tasks/);
  expect(help).toBeGreaterThan(-1);
  expect(list).toBeGreaterThan(help);
});

it("stops when the hub shuts down", async () => {
  const io = streams();
  const adapter = createTerminalAdapter({}, { input: io.input, output: io.output });
  const ac = new AbortController();
  await adapter.start({ dispatcher: h.dispatcher, logger, signal: ac.signal });
  ac.abort();
  await adapter.closed;
  await adapter.stop();
});
