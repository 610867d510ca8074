// Due dates. chrono-node works on the process's local clock, so the reference instant is re-expressed
// as a local Date carrying the wall-clock time of the requested zone; the parsed calendar components
// then are dates in that zone, with no offset arithmetic to get wrong.
import * as chrono from "chrono-node";
import { tryZonedParts, zonedParts } from "../zoned.ts";
import type { Found } from "./priority.ts";

export interface DateContext {
  now: Date;
  timeZone: string;
}

interface Ymd {
  y: number;
  m: number;
  d: number;
  h: number;
  mi: number;
  weekday: number;
}

export function wallClock(now: Date, timeZone: string): Ymd {
  const safeNow = Number.isNaN(now.getTime()) ? new Date() : now;
  // An unknown zone must not break parsing; UTC is the documented default.
  const p = tryZonedParts(safeNow, timeZone) ?? zonedParts(safeNow, "UTC");
  return { y: p.year, m: p.month, d: p.day, h: p.hour, mi: p.minute, weekday: p.weekday };
}

function ymd(y: number, m: number, d: number): string {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.toISOString().slice(0, 10);
}

function addDays(base: Ymd, days: number): string {
  return ymd(base.y, base.m, base.d + days);
}

/** Today's date (YYYY-MM-DD) in the zone: for prompts and for "today"/"eod". */
export function todayIn(ctx: DateContext): string {
  const w = wallClock(ctx.now, ctx.timeZone);
  return ymd(w.y, w.m, w.d);
}

// Cheap gate: chrono is only consulted when something date-like is present.
const HINT =
  /\b(?:today|tonight|tomorrow|tmrw?|tmw|yesterday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|(?:mon|tues|wednes|thurs|fri|satur|sun)day|weekend|week|month|year|eod|eow|eom|cob|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|september|october|november|december|\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|tenth|\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}|days?|weeks?|noon|midnight|christmas|new year)\b/i;

const CONNECTOR = String.raw`(?:(?:,\s*)?(?:and\s+)?(?:it's\s+|it\s+is\s+|it\s+needs\s+to\s+be\s+done\s+|needs\s+to\s+be\s+done\s+|to\s+be\s+done\s+)?(?:due(?:\s+date)?(?:\s+is)?(?:\s+(?:on|by|for))?|by|before|on|until|till|for|no\s+later\s+than|deadline(?:\s+is)?|latest)\s+)?`;

const CUSTOM: { re: RegExp; resolve: (w: Ymd, m: RegExpExecArray) => string | undefined }[] = [
  {
    re: new RegExp(
      // "monday eod" is monday's end of day: the day names the date, eod only its time
      String.raw`${CONNECTOR}(?<!\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|tmrw?)\s+)\b(?:eod|end of (?:the )?day|close of business|cob|today|tonight|this evening)\b`,
      "i",
    ),
    resolve: (w) => addDays(w, 0),
  },
  {
    re: new RegExp(String.raw`${CONNECTOR}\b(?:tmrw?|tmw|tomorrow|tommorow|tomorow)\b`, "i"),
    resolve: (w) => addDays(w, 1),
  },
  {
    re: new RegExp(String.raw`${CONNECTOR}\b(?:the\s+)?end of next week\b`, "i"),
    resolve: (w) => addDays(w, ((5 - w.weekday + 7) % 7) + 7),
  },
  {
    re: new RegExp(
      String.raw`${CONNECTOR}\b(?:eow|(?:the\s+)?end of (?:the |this )?(?:work\s*)?week)\b`,
      "i",
    ),
    // Friday of this week; on a weekend, the coming Friday.
    resolve: (w) => addDays(w, (5 - w.weekday + 7) % 7),
  },
  {
    re: new RegExp(String.raw`${CONNECTOR}\b(?:eom|(?:the\s+)?end of (?:the |this )?month)\b`, "i"),
    resolve: (w) => ymd(w.y, w.m + 1, 0),
  },
  {
    // "on the 3rd": a day of the month without a month name, the next such day from today.
    re: new RegExp(
      String.raw`${CONNECTOR}\b(?:the\s+)?(?<!\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*)(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))`,
      "i",
    ),
    resolve: (w, m) => {
      const day = Number(m[1]);
      if (!(day >= 1 && day <= 31)) return undefined;
      for (let add = 0; add < 3; add++) {
        const month = w.m + add;
        const lastDay = new Date(Date.UTC(w.y, month, 0)).getUTCDate();
        if (day > lastDay) continue;
        if (add === 0 && day < w.d) continue;
        return ymd(w.y, month, day);
      }
      return undefined;
    },
  },
];

const CONNECTOR_BEFORE = new RegExp(`${CONNECTOR}$`, "i");
const TIME_ONLY =
  /^(?:at\s+)?(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|h)?|noon|midnight|morning|afternoon|evening|night)$/i;

/** Finds a due date in s; the span covers its connector ("due", "by", ...) so titles can drop it. */
// The time of day after a date ("tomorrow morning", "friday at 3pm"): the due slot is a date,
// so the time goes with it rather than staying in the title.
const TIME_OF_DAY =
  /^(?:\s+(?:in the |at |by )?(?:morning|afternoon|evening|night|noon|midday|lunch(?:time)?|eod|end of (?:the )?day|close of business|first thing|\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d{2}|\d{1,2} o'?clock)|\s+at \d{1,2}(?::\d{2})?)+\b\.?/i;

export function findDue(s: string, ctx: DateContext): Found<string> | undefined {
  const found = findDueDate(s, ctx);
  if (!found) return undefined;
  const time = TIME_OF_DAY.exec(s.slice(found.end));
  return time ? { ...found, end: found.end + time[0].length } : found;
}

function findDueDate(s: string, ctx: DateContext): Found<string> | undefined {
  if (!HINT.test(s)) return undefined;
  const w = wallClock(ctx.now, ctx.timeZone);
  let best: Found<string> | undefined;
  for (const c of CUSTOM) {
    const m = c.re.exec(s);
    if (!m) continue;
    const value = c.resolve(w, m);
    if (value && (!best || m.index < best.start))
      best = { value, start: m.index, end: m.index + m[0].length };
  }
  if (best) return best;
  const ref = new Date(w.y, w.m - 1, w.d, w.h, w.mi, 0);
  let results: chrono.ParsedResult[];
  try {
    results = chrono.en.casual.parse(s, ref, { forwardDate: true });
  } catch {
    return undefined;
  }
  for (const r of results) {
    const text = r.text;
    if (TIME_ONLY.test(text.trim())) continue;
    // A bare month ("for October") is a topic more often than a deadline.
    const certain = r.start.isCertain("day") || r.start.isCertain("weekday");
    if (!certain && !/\b(?:weeks?|months?|years?|days?|tomorrow|today|tonight)\b/i.test(text)) continue;
    const y = r.start.get("year");
    const m = r.start.get("month");
    const d = r.start.get("day");
    if (y === null || m === null || d === null) continue;
    // "due monday" said on a Monday means next week's, not today.
    let value = ymd(y, m, d);
    // "nov 24" said on the 24th after noon: chrono puts a date without a time at noon, finds it
    // past, and moves it a year on. Today was meant.
    if (value === ymd(w.y + 1, w.m, w.d) && !r.start.isCertain("year")) value = ymd(w.y, w.m, w.d);
    if (
      value === ymd(w.y, w.m, w.d) &&
      /^(?:on\s+)?(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?$/i.test(text.trim())
    )
      value = addDays(w, 7);
    const before = s.slice(0, r.index);
    const conn = CONNECTOR_BEFORE.exec(before);
    const start = conn ? conn.index : r.index;
    return { value, start, end: r.index + text.length };
  }
  return undefined;
}
