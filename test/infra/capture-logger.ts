import { Writable } from "node:stream";
import pino from "pino";
import type { Logger } from "../../src/logger.ts";

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A real pino logger whose lines land in an array, to check what was logged (and what was not). */
export function captureLogger(level = "debug"): { logger: Logger; lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(JSON.parse(l) as LogLine);
      cb();
    },
  });
  return { logger: pino({ level }, sink), lines, text: () => lines.map((l) => JSON.stringify(l)).join("\n") };
}

export const WARN = 40;
export const INFO = 30;
