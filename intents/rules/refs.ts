// Resolving the words that name a task, a project or an agent into slot values.
import type { TaskRef } from "../types.ts";
import { NUMBER_SRC, parseNumber } from "./numbers.ts";
import { cleanValue, trimPunct, wordCount } from "./text.ts";

const LAST_RE =
  /^(?:it|that|this|that one|this one|that task|this task|the task|that thing|this thing|the last (?:one|task)|last (?:one|task)|my last (?:one|task)|the previous (?:one|task)|the latest (?:one|task)|the one i just (?:added|created|made|gave you)|the same (?:one|task)|same one|the current (?:one|task)|the new (?:one|task))$/i;
const NUMBER_RE = new RegExp(
  String.raw`^(?:the\s+)?(?:(?:task|ticket|item|issue|todo|to-do|card|job)\s*)?(?:(?:number|num|no\.?|nr\.?|#)\s*)?#?\s*(${NUMBER_SRC})$`,
  "i",
);

/** "12", "#12", "task twelve" → 12; "it"/"that one" → "last"; "the landing page task" → "landing page". */
export function parseTaskRef(raw: string): TaskRef | undefined {
  const s = trimPunct(raw).replace(/\s+/g, " ").replace(/'s$/i, "");
  if (!s) return undefined;
  if (LAST_RE.test(s)) return "last";
  const n = NUMBER_RE.exec(s);
  if (n?.[1]) {
    const value = parseNumber(n[1]);
    if (value !== undefined && value > 0) return value;
  }
  let words = s
    .replace(/^(?:the|my|our|a|that|this)\s+/i, "")
    .replace(
      /^(?:task|ticket|todo|to-do|item|card|job)\s+(?:about|to|for|called|named|titled|on|where|that)\s+/i,
      "",
    )
    .replace(/^(?:one|task)\s+(?:about|to|for|called|named|titled|on|where|that says)\s+/i, "")
    .replace(/^(?:task|ticket|todo)\s*:?\s+/i, "")
    .replace(/\s+(?:task|ticket|todo|to-do|item|card|job|one)$/i, "")
    .replace(/^"(.*)"$/, "$1");
  words = cleanValue(words);
  if (!words || wordCount(words) > 14 || !/\p{L}/u.test(words)) return undefined;
  // "task 12's priority" is a field of a task, not a task's title.
  if (/\b(?:priority|prio|deadline|due date)\b/i.test(words)) return undefined;
  // "kill me now" names no task
  if (/^(?:me|us|you|him|her|them)\b/i.test(words)) return undefined;
  if (
    // a bare "task" names none: "tasks done" is not "the task called task is done"
    /^(?:everything|all|all tasks|tasks|task|ticket|tickets|todo|todos|item|items|job|jobs|anything|something|nothing|what|which|who|whatever|me|you|them|him|her|we|i|they|there)$/i.test(
      words,
    )
  )
    return undefined;
  return words;
}

/** True when the words clearly point at a task (a number, "it", or the word task). */
export function isDefiniteTaskRef(raw: string): boolean {
  const s = trimPunct(raw);
  return LAST_RE.test(s) || NUMBER_RE.test(s) || /\b(?:task|ticket|todo|to-do)\b/i.test(s);
}

export function mentionsProject(raw: string): boolean {
  return /\bproject\b/i.test(raw);
}

export function mentionsTask(raw: string): boolean {
  return /\b(?:task|ticket|todo|to-do)\b|#\s*\d|^\s*\d+\s*$/i.test(raw);
}

/** "the Website Redesign project" → "Website Redesign". */
export function cleanProjectName(raw: string): string | undefined {
  const s = cleanValue(
    trimPunct(raw)
      .replace(/^(?:the|my|our|this|that)\s+/i, "")
      .replace(/^project\s*:?\s+/i, "")
      .replace(/\s+project$/i, "")
      .replace(/^(?:the|my|our)\s+/i, "")
      .replace(/^[@#]/, "")
      .replace(/^\[(.*)\]$/, "$1")
      .replace(/^"(.*)"$/, "$1"),
  );
  if (!s || wordCount(s) > 8 || !/\p{L}|\d/u.test(s)) return undefined;
  // "let's wrap up": a particle or a pronoun is no project's name
  if (
    /^(?:it|that|this|them|everything|all|projects?|up|out|down|now|today|for today|things|me|us)$/i.test(s)
  )
    return undefined;
  return s;
}

/** "the researcher agent" → "researcher". Agent names are short handles. */
export function cleanAgentName(raw: string): string | undefined {
  const s = trimPunct(raw)
    .replace(/^(?:the|my|our)\s+/i, "")
    .replace(/^agent\s+/i, "")
    .replace(/\s+(?:agent|bot)$/i, "")
    .replace(/^@/, "")
    .replace(/^"(.*)"$/, "$1")
    .trim();
  if (!s || wordCount(s) > 3 || !/\p{L}/u.test(s)) return undefined;
  if (
    /^(?:it|that|this|everyone|everybody|anyone|someone|somebody|me|you|him|her|them|us|all|agents?|task|project|there|here|what|who|things|everything|status|statuses|list|are|is|was|were|have|has|had|do|does|did|will|can|could|should|would|be|been|done|blocked|pending|open|the|a|an|my|our|your|and|or|not|now|today|currently|still)$/i.test(
      s,
    )
  )
    return undefined;
  if (/^\d+$/.test(s) || /\b(?:task|project)\b/i.test(s)) return undefined;
  return s;
}

export function looksCapitalized(raw: string): boolean {
  return /^[A-Z0-9]/.test(trimPunct(raw).replace(/^(?:the|my|our)\s+/i, ""));
}
