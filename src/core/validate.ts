import { HubError } from "../errors.ts";

const invalid = (field: string, message: string) =>
  new HubError("validation", message, { details: { field } });

/** Trimmed text of min..max characters. */
export function requireText(field: string, value: unknown, max: number, min = 1): string {
  if (typeof value !== "string") throw invalid(field, `${label(field)} must be text.`);
  const s = value.trim();
  if (s.length < min) throw invalid(field, `${label(field)} must not be empty.`);
  if (s.length > max) {
    throw invalid(field, `${label(field)} is ${s.length} characters long; the most is ${max}.`);
  }
  return s;
}

/** Like requireText, but undefined/null/blank mean "no value". */
export function optionalText(field: string, value: unknown, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" && value.trim() === "") return null;
  return requireText(field, value, max);
}

export function requireInt(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(
      field,
      `${label(field)} must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

export function requireNumber(field: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw invalid(
      field,
      `${label(field)} must be a number of at least ${min}; got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/** A Date or an ISO-8601 string; null clears. */
export function parseDate(field: string, value: unknown): Date | null {
  if (value === null) return null;
  const d = value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined;
  if (!d || Number.isNaN(d.getTime())) {
    throw invalid(
      field,
      `${label(field)} must be a date and time like 2025-06-01T17:00:00Z; got ${JSON.stringify(value)}.`,
    );
  }
  return d;
}

/** Distinct, trimmed, non-empty names. */
export function nameList(field: string, value: unknown, maxLength = 100): string[] {
  if (!Array.isArray(value)) throw invalid(field, `${label(field)} must be a list of names.`);
  const out = new Set<string>();
  for (const v of value) out.add(requireText(field, v, maxLength));
  return [...out];
}

export function jsonObject(field: string, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw invalid(field, `${label(field)} must be an object.`);
  }
  return value as Record<string, unknown>;
}

/** JSON text for a `$n::text::jsonb` parameter: both drivers pass text through untouched. */
export const jsonParam = (value: unknown): string | null =>
  value === undefined ? null : JSON.stringify(value);

const label = (field: string) =>
  field.charAt(0).toUpperCase() +
  field
    .slice(1)
    .replace(/([A-Z])/g, " $1")
    .toLowerCase();
