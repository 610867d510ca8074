/**
 * The log for a person at a terminal: one short line per record instead of JSON, e.g.
 * `16:06:32 WARN  [outbox-relay] outbox publish failed  err="connection refused"`. Lines come
 * already redacted (pino redacts before it writes), so formatting cannot leak a token.
 */
import { Writable } from "node:stream";

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
// Said by the line's shape (time, level, prefix), or the same on every line.
const QUIET_KEYS = new Set(["level", "time", "pid", "hostname", "name", "msg", "component", "adapter"]);

const two = (n: number) => String(n).padStart(2, "0");

function value(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v instanceof Object && "message" in v && typeof v.message === "string")
    return JSON.stringify(v.message);
  return JSON.stringify(v) ?? String(v);
}

/** One pino JSON line as a person reads it; a line that is not JSON is kept as it is. */
export function formatLogLine(line: string): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const t = new Date(typeof r.time === "number" ? r.time : Date.now());
  const time = `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`;
  const level = LEVELS[Number(r.level)] ?? "INFO ";
  const who = r.component ?? r.adapter;
  const prefix = typeof who === "string" ? `[${who}] ` : "";
  const extra = Object.entries(r)
    .filter(([k, v]) => !QUIET_KEYS.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(" ");
  const out = `${time} ${level} ${prefix}${String(r.msg ?? "")}${extra ? `  ${extra}` : ""}`;
  // An error's stack, under the line, for errors: where it came from is what a person needs next.
  const stack = Number(r.level) >= 50 ? stackOf(r.err) : undefined;
  return stack ? `${out}\n${stack.replace(/^/gm, "    ")}` : out;
}

function stackOf(err: unknown): string | undefined {
  const stack = err instanceof Object && "stack" in err ? err.stack : undefined;
  return typeof stack === "string" ? stack : undefined;
}

/** A stream for pino that writes each record to `out` as formatLogLine gives it. */
export function prettyLogStream(out: NodeJS.WritableStream = process.stdout): Writable {
  let rest = "";
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const lines = (rest + chunk.toString()).split("\n");
      rest = lines.pop() ?? "";
      const text = lines
        .filter((l) => l.length > 0)
        .map((l) => `${formatLogLine(l)}\n`)
        .join("");
      if (text) out.write(text);
      done();
    },
    final(done) {
      if (rest) out.write(`${formatLogLine(rest)}\n`);
      done();
    },
  });
}
