// Dates as the person lives them: in their time zone, said the way people say them.
// Zoned parts come from intents/zoned.ts: one cached formatter per zone, shared with the parser's
// date rules; re-exported here for src/cos callers.
import { type ZonedParts, zonedParts } from "../../intents/zoned.ts";

export { type ZonedParts, zonedParts };

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** The instant when the wall clock in `timeZone` reads the given local time. */
export function zonedToUtc(
  t: { year: number; month: number; day: number; hour?: number; minute?: number; second?: number },
  timeZone: string,
): Date {
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour ?? 0, t.minute ?? 0, t.second ?? 0);
  // Two passes settle the offset across a DST change.
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const p = zonedParts(new Date(guess), timeZone);
    const seen = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    guess += wall - seen;
  }
  return new Date(guess);
}

/** A due date (YYYY-MM-DD) means the end of that day where the person lives. */
export function dueDateToInstant(date: string, timeZone: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  return zonedToUtc(
    { year: +(m[1] ?? 0), month: +(m[2] ?? 0), day: +(m[3] ?? 0), hour: 23, minute: 59 },
    timeZone,
  );
}

const dayNumber = (p: { year: number; month: number; day: number }) =>
  Math.round(Date.UTC(p.year, p.month - 1, p.day) / 86_400_000);

/** Whole calendar days from `now` to `date` in the zone: 0 today, 1 tomorrow, -1 yesterday. */
export function daysFrom(now: Date, date: Date, timeZone: string): number {
  return dayNumber(zonedParts(date, timeZone)) - dayNumber(zonedParts(now, timeZone));
}

export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  switch (n % 10) {
    case 1:
      return `${n}st`;
    case 2:
      return `${n}nd`;
    case 3:
      return `${n}rd`;
    default:
      return `${n}th`;
  }
}

/** "today", "tomorrow", "Friday the 27th", "Monday the 3rd of March", "the 3rd of March 2027". */
export function sayDay(date: Date, now: Date, timeZone: string): string {
  const d = daysFrom(now, date, timeZone);
  if (d === 0) return "today";
  if (d === 1) return "tomorrow";
  if (d === -1) return "yesterday";
  const p = zonedParts(date, timeZone);
  const weekday = WEEKDAYS[p.weekday] ?? "";
  const month = MONTHS[p.month - 1] ?? "";
  if (d > 1 && d <= 13) return `${weekday} the ${ordinal(p.day)}`;
  if (d < -1 && d >= -6) return `last ${weekday}`;
  if (p.year === zonedParts(now, timeZone).year) return `${weekday} the ${ordinal(p.day)} of ${month}`;
  return `the ${ordinal(p.day)} of ${month} ${p.year}`;
}

/** "8:05 in the morning" style is too long for chat: "8:05", "14:30" → "2:30 pm". */
export function sayTime(date: Date, timeZone: string): string {
  const p = zonedParts(date, timeZone);
  const h12 = p.hour % 12 === 0 ? 12 : p.hour % 12;
  const mm = p.minute === 0 ? "" : `:${String(p.minute).padStart(2, "0")}`;
  return `${h12}${mm} ${p.hour < 12 ? "am" : "pm"}`;
}

/** The calendar date of an instant in the zone, YYYY-MM-DD. */
export function localDate(date: Date, timeZone: string): string {
  const p = zonedParts(date, timeZone);
  return `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}
