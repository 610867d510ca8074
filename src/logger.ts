import pino, { type Logger } from "pino";
import { prettyLogStream } from "./log-pretty.ts";

export type { Logger };

// Paths pino blanks out wherever they appear, so a token never reaches a log line.
const REDACT = [
  "token",
  "*.token",
  "apiKey",
  "*.apiKey",
  "api_key",
  "*.api_key",
  "password",
  "*.password",
  "secret",
  "*.secret",
  "authorization",
  "*.authorization",
  "req.headers.authorization",
  "req.headers['x-vapi-secret']",
  "req.headers['x-telegram-bot-api-secret-token']",
  "headers.authorization",
];

/**
 * The hub's one logger; `file` sends it to a file instead of stdout (the terminal chat), and
 * `pretty` writes a line a person reads instead of JSON (a terminal; see log-pretty.ts).
 */
export function createLogger(
  opts: { level: string; name?: string; file?: string; pretty?: boolean } = { level: "info" },
): Logger {
  const options = {
    level: opts.level,
    name: opts.name ?? "agentops",
    redact: { paths: REDACT, censor: "[redacted]" },
  };
  if (opts.file) return pino(options, pino.destination({ dest: opts.file, sync: false, mkdir: true }));
  return opts.pretty ? pino(options, prettyLogStream()) : pino(options);
}

/** Bot tokens sit inside URLs (api.telegram.org/bot<token>/...); strip them from any text. */
export function scrubSecrets(text: string): string {
  return text
    .replace(/bot\d+:[A-Za-z0-9_-]{20,}/g, "bot[redacted]")
    .replace(/(\/\/[^:/@\s]+:)[^@/\s]+@/g, "$1[redacted]@")
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, "$1[redacted]");
}
