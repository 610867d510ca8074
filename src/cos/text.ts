// Chat text from stored values that anyone (an agent, an email subject) may have written.

// C0/C1 controls, bidi overrides and isolates, zero-width characters, BOM: they reorder or hide
// text in a chat window, so they never reach one.
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

export function cleanText(s: string): string {
  return s.replace(INVISIBLE, "").replace(/\s+/g, " ").trim();
}

export function truncate(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  return `${chars
    .slice(0, max - 1)
    .join("")
    .trimEnd()}…`;
}

/** A title fit for one line of chat, in quotes. */
export function quoteTitle(title: string, max = 70): string {
  return `'${truncate(cleanText(title), max)}'`;
}

export function priorityName(n: number): "low" | "medium" | "high" | "critical" {
  if (n >= 88) return "critical";
  if (n >= 63) return "high";
  if (n >= 38) return "medium";
  return "low";
}

const STATUS: Record<string, string> = {
  pending: "waiting to be picked up",
  in_progress: "in progress",
  blocked: "blocked",
  completed: "done",
  failed: "failed",
  cancelled: "cancelled",
  active: "active",
  paused: "paused",
  idle: "idle",
  busy: "busy",
  offline: "offline",
  error: "in error",
};

export const statusWords = (s: string) => STATUS[s] ?? s.replace(/_/g, " ");

/** "a", "a and b", "a, b and c" */
export function joinAnd(items: string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The capital first letter a sentence needs. */
export const sentence = (s: string) => (s.length === 0 ? s : s[0]?.toUpperCase() + s.slice(1));
