import { PassThrough } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { formatLogLine, prettyLogStream } from "../src/log-pretty.ts";
import { createLogger } from "../src/logger.ts";

describe("the log at a terminal", () => {
  it("is one readable line per record: time, level, component, message, then the details", () => {
    const line = JSON.stringify({
      level: 40,
      time: new Date(2026, 10, 24, 16, 6, 32).getTime(),
      pid: 1,
      hostname: "vm",
      name: "agentops",
      component: "outbox-relay",
      msg: "outbox publish failed",
      err: "connection refused",
      failures: 2,
    });
    expect(formatLogLine(line)).toBe(
      '16:06:32 WARN  [outbox-relay] outbox publish failed  err="connection refused" failures=2',
    );
    expect(formatLogLine("not json")).toBe("not json");
  });

  it("keeps what the logger redacted redacted, and says an error by its message", async () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (c: Buffer) => {
      text += c.toString();
    });
    const stream = prettyLogStream(out);
    const logger = pino({ redact: { paths: ["token"], censor: "[redacted]" } }, stream);
    logger.info({ token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ", err: new Error("boom") }, "telegram started");
    await new Promise((r) => setImmediate(r));
    expect(text).toMatch(/INFO {2}telegram started {2}token=\[redacted\] err="boom"\n$/);
    expect(text).not.toContain("ABCDEFGHIJ");
    text = "";
    logger.error({ err: new Error("disk full") }, "backup failed");
    await new Promise((r) => setImmediate(r));
    const [first, ...stack] = text.trimEnd().split("\n");
    expect(first).toMatch(/ERROR backup failed {2}err="disk full"$/);
    expect(stack[0]).toBe("    Error: disk full");
    expect(stack[1]).toMatch(/^ {4} {4}at /);
    // the hub's own logger redacts the same way when pretty
    expect(createLogger({ level: "silent", pretty: true }).level).toBe("silent");
  });
});
