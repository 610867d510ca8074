// What every rule sees, and the one way rules build results (so empty slots never leak out).
import type { Channel, IntentName, ParseResult, Slots } from "../types.ts";
import type { DateContext } from "./dates.ts";

export interface RuleContext {
  /** Sanitized, fillers and politeness stripped, trailing punctuation removed. */
  text: string;
  /** Sanitized only: for rules where fillers matter ("okay" alone is a yes). */
  raw: string;
  channel: Channel | undefined;
  dates: DateContext;
}

export type Rule = (ctx: RuleContext) => ParseResult | undefined;

// Stable key order (as in INTENTS.md's example) so printed results read the same every time.
const SLOT_ORDER: readonly (keyof Slots)[] = [
  "title",
  "name",
  "task",
  "project",
  "priority",
  "due",
  "assignee",
  "agent",
  "description",
  "message",
  "status",
  "level",
  "answer",
  "capabilities",
  "channel",
];

/** Slots as rules assemble them: a value may be undefined (not said), and is then dropped. */
export type LooseSlots = { [K in keyof Slots]?: Slots[K] | undefined };

export function result(intent: IntentName, slots: LooseSlots, confidence: number): ParseResult {
  const clean: Slots = {};
  for (const key of SLOT_ORDER) {
    const value = slots[key];
    if (value === undefined || value === null) continue;
    if (typeof value === "string" && value.trim() === "") continue;
    if (Array.isArray(value) && value.length === 0) continue;
    (clean as Record<string, unknown>)[key] = typeof value === "string" ? value.trim() : value;
  }
  return { intent, slots: clean, confidence: Math.round(confidence * 100) / 100 };
}

export function unknown(confidence = 0.1): ParseResult {
  return { intent: "unknown", slots: {}, confidence };
}

/** Runs rules in order; the first that answers wins, so more specific rules go first. */
export function firstMatch(rules: readonly Rule[], ctx: RuleContext): ParseResult | undefined {
  for (const rule of rules) {
    const r = rule(ctx);
    if (r) return r;
  }
  return undefined;
}
