import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runParseCommand } from "../../intents/index.ts";

function sink() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
  return { stream, text: () => chunks.join("") };
}

async function run(args: string[], stdinText = "") {
  const out = sink();
  const err = sink();
  const code = await runParseCommand(args, {
    stdin: Readable.from([stdinText]),
    stdout: out.stream,
    stderr: err.stream,
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

const NOW = ["--now", "2026-11-23T10:00:00Z", "--tz", "Europe/Paris"];

describe("agentops parse", () => {
  it("prints one JSON line for one utterance", async () => {
    const r = await run([
      ...NOW,
      "add a task to write the launch email for Launch, high priority, due friday",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.endsWith("\n")).toBe(true);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toEqual({
      intent: "task.create",
      slots: { title: "write the launch email", project: "Launch", priority: "high", due: "2026-11-27" },
      confidence: 0.93,
    });
  });

  it("joins several words and honours --channel (also as --flag=value)", async () => {
    const r = await run(["--channel=email", ...NOW, "Fwd:", "[Website]", "Broken", "hero", "image"]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      intent: "task.create",
      slots: { title: "Broken hero image", project: "Website" },
    });
  });

  it("resolves dates in --tz", async () => {
    const args = ["--now", "2026-11-23T23:30:00Z", "add a task to call Bob tomorrow"];
    expect(JSON.parse((await run([...args, "--tz", "UTC"])).stdout).slots.due).toBe("2026-11-24");
    expect(JSON.parse((await run([...args, "--tz", "Europe/Paris"])).stdout).slots.due).toBe("2026-11-25");
  });

  it("reads JSON lines in order; a bad line gets an error and the rest go on", async () => {
    const input = [
      JSON.stringify({ text: "mark 7 as done" }),
      "{not json",
      JSON.stringify({ text: "status", channel: "email" }),
      JSON.stringify({ nope: 1 }),
      JSON.stringify({ text: "hi", channel: "pigeon" }),
      "",
      JSON.stringify({ text: "/tasks@MyBot", channel: "telegram" }),
      JSON.stringify({ text: "push 4 to tomorrow" }),
    ].join("\n");
    const r = await run(["--jsonl", ...NOW], `${input}\n`);
    expect(r.code).toBe(0);
    const out = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out).toHaveLength(7);
    expect(out[0]).toMatchObject({ intent: "task.complete", slots: { task: 7 } });
    expect(out[1]).toHaveProperty("error");
    expect(out[2]).toMatchObject({ intent: "briefing" });
    expect(out[3]?.error).toMatch(/text/);
    expect(out[4]?.error).toMatch(/channel/);
    expect(out[5]).toMatchObject({ intent: "task.list" });
    expect(out[6]).toMatchObject({ intent: "task.update", slots: { task: 4, due: "2026-11-24" } });
  });

  it("handles CRLF input and a last line without newline", async () => {
    const r = await run(["--jsonl", ...NOW], '{"text":"undo"}\r\n{"text":"help"}');
    expect(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).intent),
    ).toEqual(["undo", "help"]);
  });

  it.each([
    [["--channel", "pigeon", "hi"], /unknown channel/],
    [["--now", "yesterday-ish", "hi"], /--now/],
    [["--tz", "Mars/Base", "hi"], /time zone/],
    [["--bogus", "hi"], /unknown flag/],
    [["--channel"], /needs a value/],
    [[], /nothing to parse/],
    [["--jsonl", "some text"], /--jsonl/],
  ])("rejects bad usage %j with exit 2", async (args, message) => {
    const r = await run(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/usage:/);
  });

  it("prints usage on --help", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: agentops parse/);
  });
});
