import { HubError } from "../errors.ts";
import { PRIORITY_VALUES, type PriorityInput, type PriorityName } from "./types.ts";

export const PRIORITY_NAMES = Object.keys(PRIORITY_VALUES) as PriorityName[];

const isPriorityName = (s: string): s is PriorityName => Object.hasOwn(PRIORITY_VALUES, s);

/** An integer 0–100 from a number, a string of digits, or low|medium|high|critical. */
export function parsePriority(input: PriorityInput): number {
  if (typeof input === "string") {
    const s = input.trim().toLowerCase();
    if (isPriorityName(s)) return PRIORITY_VALUES[s];
    if (/^\d{1,3}$/.test(s)) return parsePriority(Number(s));
  } else if (typeof input === "number" && Number.isInteger(input) && input >= 0 && input <= 100) {
    return input;
  }
  throw new HubError(
    "validation",
    `Priority must be a whole number from 0 to 100 or one of low, medium, high, critical; got ${JSON.stringify(input)}.`,
    { details: { field: "priority" } },
  );
}

/** The name a person sees for a stored priority: halfway points between the named values. */
export function priorityName(n: number): PriorityName {
  if (n >= 88) return "critical";
  if (n >= 63) return "high";
  if (n >= 38) return "medium";
  return "low";
}

/** The stored values that display as `name`, inclusive. */
export function priorityBand(name: PriorityName): [number, number] {
  switch (name) {
    case "critical":
      return [88, 100];
    case "high":
      return [63, 87];
    case "medium":
      return [38, 62];
    case "low":
      return [0, 37];
  }
}

export { isPriorityName };
