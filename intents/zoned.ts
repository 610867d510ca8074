// Wall-clock parts of an instant in a time zone, from one cached Intl.DateTimeFormat per zone.
// It lives in intents (which depends on nothing outside itself) so that both the parser's date
// rules and the hub's src/cos can use it without intents ever importing from src.

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 Sunday … 6 Saturday */
  weekday: number;
}

/** null: a zone Intl does not know, remembered so its constructor is not retried per call */
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      f = null;
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** The parts of `date` in `timeZone`, or undefined when the zone is unknown. */
export function tryZonedParts(date: Date, timeZone: string): ZonedParts | undefined {
  const f = formatterFor(timeZone);
  if (!f) return undefined;
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(date)) if (part.type !== "literal") p[part.type] = Number(part.value);
  const year = p.year ?? 1970;
  const month = p.month ?? 1;
  const day = p.day ?? 1;
  return {
    year,
    month,
    day,
    hour: (p.hour ?? 0) % 24,
    minute: p.minute ?? 0,
    second: p.second ?? 0,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** The parts of `date` in `timeZone`; a RangeError for an unknown zone, as Intl itself throws. */
export function zonedParts(date: Date, timeZone: string): ZonedParts {
  const p = tryZonedParts(date, timeZone);
  if (!p) throw new RangeError(`Invalid time zone specified: ${timeZone}`);
  return p;
}
