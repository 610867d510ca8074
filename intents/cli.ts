// `agentops parse`: one utterance from argv, or JSON lines from stdin (--jsonl) for batch checks.
import { createInterface } from "node:readline";
import { parseUtterance } from "./parse.ts";
import { CHANNELS, type Channel, type ParseOptions } from "./types.ts";

export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `usage: agentops parse [--channel C] [--now ISO] [--tz ZONE] "text"
       agentops parse --jsonl [--now ISO] [--tz ZONE] < lines.jsonl
channels: ${CHANNELS.join(", ")}`;

class UsageError extends Error {}

interface CliArgs {
  jsonl: boolean;
  help: boolean;
  text: string[];
  options: ParseOptions;
}

function isChannel(v: string): v is Channel {
  return (CHANNELS as readonly string[]).includes(v);
}

function checkTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz;
  } catch {
    throw new UsageError(`unknown time zone: ${tz}`);
  }
}

function checkNow(v: string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--now is not an ISO date: ${v}`);
  return d;
}

function parseArgs(args: string[]): CliArgs {
  const out: CliArgs = { jsonl: false, help: false, text: [], options: {} };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--jsonl":
        out.jsonl = true;
        break;
      case "-h":
      case "--help":
        out.help = true;
        break;
      case "--channel": {
        const c = value();
        if (!isChannel(c)) throw new UsageError(`unknown channel: ${c}`);
        out.options.channel = c;
        break;
      }
      case "--now":
        out.options.now = checkNow(value());
        break;
      case "--tz":
        out.options.timeZone = checkTimeZone(value());
        break;
      case "--":
        out.text.push(...args.slice(i + 1));
        i = args.length;
        break;
      default:
        if (arg.startsWith("--")) throw new UsageError(`unknown flag: ${arg}`);
        out.text.push(arg);
    }
  }
  if (out.help) return out;
  if (out.jsonl && out.text.length > 0) throw new UsageError("--jsonl reads stdin; do not pass text too");
  if (!out.jsonl && out.text.length === 0) throw new UsageError("nothing to parse");
  return out;
}

function write(stream: NodeJS.WritableStream, line: string): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(`${line}\n`)) resolve();
    else stream.once("drain", () => resolve());
  });
}

function lineOptions(obj: Record<string, unknown>, base: ParseOptions): ParseOptions {
  const opts: ParseOptions = { ...base };
  if (obj.channel !== undefined) {
    if (typeof obj.channel !== "string" || !isChannel(obj.channel))
      throw new Error(`unknown channel: ${String(obj.channel)}`);
    opts.channel = obj.channel;
  }
  if (obj.now !== undefined) {
    const d = new Date(String(obj.now));
    if (Number.isNaN(d.getTime())) throw new Error(`now is not an ISO date: ${String(obj.now)}`);
    opts.now = d;
  }
  if (obj.tz !== undefined) {
    try {
      opts.timeZone = checkTimeZone(String(obj.tz));
    } catch {
      throw new Error(`unknown time zone: ${String(obj.tz)}`);
    }
  }
  return opts;
}

export async function runParseCommand(args: string[], io: CliIo): Promise<number> {
  let parsed: CliArgs;
  try {
    parsed = parseArgs(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    await write(io.stderr, `agentops parse: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    await write(io.stdout, USAGE);
    return 0;
  }
  const base: ParseOptions = { ...parsed.options, now: parsed.options.now ?? new Date() };
  if (!parsed.jsonl) {
    const r = parseUtterance(parsed.text.join(" "), base);
    await write(io.stdout, JSON.stringify({ intent: r.intent, slots: r.slots, confidence: r.confidence }));
    return 0;
  }
  const rl = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) {
    if (line.trim() === "") continue;
    let out: string;
    try {
      const obj: unknown = JSON.parse(line);
      if (typeof obj !== "object" || obj === null || Array.isArray(obj))
        throw new Error("line is not a JSON object");
      const rec = obj as Record<string, unknown>;
      if (typeof rec.text !== "string") throw new Error('missing string field "text"');
      const r = parseUtterance(rec.text, lineOptions(rec, base));
      out = JSON.stringify({ intent: r.intent, slots: r.slots, confidence: r.confidence });
    } catch (err) {
      out = JSON.stringify({ error: err instanceof Error ? err.message : String(err) });
    }
    await write(io.stdout, out);
  }
  return 0;
}
