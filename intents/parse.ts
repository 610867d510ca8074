// Rules-only parsing: pure, synchronous, bounded work. Anything unexpected becomes `unknown`
// instead of an exception, because every channel calls this on raw user input.
import { parseCommand } from "./rules/commands.ts";
import { type RuleContext, unknown } from "./rules/context.ts";
import { parseEmailSubject } from "./rules/email.ts";
import { parseFreeText } from "./rules/free-text.ts";
import { hasLetters, MAX_PARSE_CHARS, sanitize, stripFillers } from "./rules/text.ts";
import type { ParseOptions, ParseResult } from "./types.ts";

// Injection attempts and markup are not requests; they must not become tasks named "DROP TABLE".
const HOSTILE =
  /(?:;\s*(?:drop|delete|insert|update|select|truncate|alter|exec)\b|\bunion\s+select\b|'\s*or\s*'?\d*'?\s*=\s*'?\d|<\s*script\b|<\/?\s*(?:iframe|img|svg|object)\b|javascript:|\$\{[^}]*\}|\{\{[^}]*\}\}|\b(?:rm\s+-rf|sudo\s+\w+|curl\s+\S+\s*\|\s*sh)\b|^\s*(?:drop|truncate)\s+table\b|^\s*delete\s+from\b|^\s*insert\s+into\b|^\s*select\s+[\w*,\s]+\s+from\s|^\s*update\s+\w+\s+set\b|--\s*$)/i;

/** Unreadable input: no letters, mostly symbols, or keyboard mash without vowels. */
function isGibberish(s: string): boolean {
  if (/^#\s*\d{1,9}\s*\??$/.test(s)) return false;
  if (!hasLetters(s)) return true;
  const letters = s.match(/\p{L}/gu)?.length ?? 0;
  if (letters / s.length < 0.4 && s.length > 6) return true;
  const words = s.toLowerCase().match(/\p{L}+/gu) ?? [];
  if (words.length === 0) return true;
  const mashed = words.filter(
    (w) =>
      w.length >= 5 && (!/[aeiouy]/.test(w) || /(.)\1{3,}/.test(w) || /[bcdfghjklmnpqrstvwxz]{5,}/.test(w)),
  );
  return mashed.length > 0 && mashed.length >= words.length / 2;
}

export function parseUtterance(text: string, opts: ParseOptions = {}): ParseResult {
  try {
    return parseInner(typeof text === "string" ? text : String(text ?? ""), opts);
  } catch {
    return unknown(0);
  }
}

function parseInner(input: string, opts: ParseOptions): ParseResult {
  const truncated = input.length > MAX_PARSE_CHARS * 4;
  const clean = sanitize(input);
  if (!clean || HOSTILE.test(clean)) return unknown(clean ? 0.05 : 0);
  const ctx: RuleContext = {
    text: "",
    raw: clean,
    channel: opts.channel,
    dates: { now: opts.now ?? new Date(), timeZone: opts.timeZone ?? "UTC" },
  };
  // A huge paste is not an utterance we should trust, even if its start parses.
  const damp = (r: ParseResult): ParseResult =>
    truncated ? { ...r, confidence: Math.min(r.confidence, 0.4) } : r;

  if (/^[/!][\p{L}\d_-]/u.test(clean)) {
    const r = parseCommand(clean, { ...ctx, text: clean });
    if (r) return damp(r);
  }
  if (opts.channel === "email") {
    const r = parseEmailSubject(clean, ctx);
    if (r) return damp(r);
  }
  const stripped = stripFillers(clean);
  ctx.text = stripped;
  if (isGibberish(clean)) {
    return unknown(0.05);
  }
  const r = parseFreeText(ctx);
  if (r) return damp(r);
  return unknown(stripped ? 0.2 : 0.1);
}

const WARM_UP = [
  "/task Build landing page @Website !high due friday",
  "add a task to write the launch email for Launch, high priority, due friday",
  "um mark task twelve as done",
  "push the deadline of 7 to next monday",
  "tell seed on task 7 to use the blue logo",
  "give 7 to seed",
  "reopen 7",
  "cancel task 7",
  "how is task 7 doing",
  "show me the blocked tasks in Website",
  "start a new project called Website Redesign",
  "put Website on hold",
  "how far along is Website",
  "create an agent called researcher for web research",
  "is seed online",
  "who is working right now",
  "only ping me when something is blocked",
  "yes go ahead",
  "undo that",
  "brief me",
  "what can you do",
  "draft the press release",
  "asdf qwrtzp",
];

/**
 * V8 compiles each regex on first use; the first parse through every rule costs tens of ms.
 * Long-running adapters can call this at start-up so no user's first message pays for it.
 */
export function warmUpParser(): void {
  const now = new Date();
  for (const text of WARM_UP) {
    parseUtterance(text, { now });
    parseUtterance(text, { now, channel: "email" });
  }
}
