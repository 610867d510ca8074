// Priority words as INTENTS.md maps them. Bare "high"/"low"/"medium" are only trusted next to the
// word "priority" or after "!", because they are common in titles ("fix the high CPU alert").
import type { Priority } from "../types.ts";

const CRITICAL = String.raw`top[- ]priority|highest[- ]priority|critical(?:ly)?(?:[- ]priority)?|urgent(?:ly)?|asap|a\.s\.a\.p\.?|as soon as possible|p0|emergency|right away|immediately`;
const HIGH = String.raw`high[- ](?:priority|prio|pri)|priority(?:\s*(?:is|of|to|:|=))?\s*high|(?:very |super |really )?important|p1|hi[- ]pri`;
const MEDIUM = String.raw`(?:medium|normal|mid|moderate)[- ](?:priority|prio|pri)|priority(?:\s*(?:is|of|to|:|=))?\s*(?:medium|normal)|p2`;
const LOW = String.raw`low[- ](?:priority|prio|pri)|priority(?:\s*(?:is|of|to|:|=))?\s*low|whenever(?: you (?:can|have time))?|someday|some day|no rush|no hurry|not urgent|not important|low key|p3|when(?:ever)? you (?:get a chance|have (?:a )?(?:time|moment|minute))|eventually`;
const BANG = String.raw`!(critical|urgent|high|medium|normal|low|asap)\b`;

const PREFIX = String.raw`(?:(?:,\s*)?\b(?:and\s+)?(?:it's|it is|this is|that's|make it|mark it(?: as)?|set it (?:to|as)|with|at|as|is|its)\s+)?(?:\ba\s+)?`;

const PRIORITY_RE = new RegExp(
  String.raw`${BANG}|${PREFIX}\b(?:(${CRITICAL})|(${HIGH})|(${MEDIUM})|(${LOW}))(?![\w-])(?:\s+priority)?`,
  "i",
);

const BANG_MAP: Record<string, Priority> = {
  critical: "critical",
  urgent: "critical",
  asap: "critical",
  high: "high",
  medium: "medium",
  normal: "medium",
  low: "low",
};

export interface Found<T> {
  value: T;
  start: number;
  end: number;
}

export function findPriority(s: string): Found<Priority> | undefined {
  const m = PRIORITY_RE.exec(s);
  if (!m) return undefined;
  let value: Priority | undefined;
  if (m[1]) value = BANG_MAP[m[1].toLowerCase()];
  else if (m[2]) value = "critical";
  else if (m[3]) value = "high";
  else if (m[4]) value = "medium";
  else if (m[5]) value = "low";
  if (!value) return undefined;
  return { value, start: m.index, end: m.index + m[0].length };
}

/** A bare priority word, for "make 7 high" or "/prio 7 low" where the context already says priority. */
export function priorityWord(s: string): Priority | undefined {
  const w = s
    .trim()
    .toLowerCase()
    .replace(/^!/, "")
    .replace(/\s*(?:priority|prio|pri)$/, "")
    .replace(/^(?:a|the)\s+/, "");
  if (/^(?:critical|urgent|asap|top|highest|p0|emergency)$/.test(w)) return "critical";
  if (/^(?:high|important|very important|p1|higher|up)$/.test(w)) return "high";
  if (/^(?:medium|normal|mid|moderate|p2)$/.test(w)) return "medium";
  if (/^(?:low|lower|lowest|whenever|someday|no rush|not urgent|p3|down)$/.test(w)) return "low";
  return findPriority(s)?.value;
}
