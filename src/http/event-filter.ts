import type { HubEvent } from "../core/types.ts";

/** Event types to follow: exact names, or a prefix with `.*` (task.*). Empty: all. */
export interface EventTypeFilter {
  exact: string[];
  prefixes: string[];
}

export function parseTypeFilter(types: string[] | undefined): EventTypeFilter {
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const t of types ?? []) {
    if (t === "*") return { exact: [], prefixes: [] };
    if (t.endsWith(".*")) prefixes.push(t.slice(0, -1));
    else exact.push(t);
  }
  return { exact, prefixes };
}

export const matchesType = (f: EventTypeFilter, e: HubEvent) =>
  (f.exact.length === 0 && f.prefixes.length === 0) ||
  f.exact.includes(e.type) ||
  f.prefixes.some((p) => e.type.startsWith(p));
