// Checks a parse against the catalog: the one gate for anything not produced by our own rules
// (LLM tool calls), and a safety net the tests run over the rules' own output.
import { getIntentSpec, slotsSchema } from "./catalog.ts";
import type { IntentName, Slots } from "./types.ts";

export type Validation = { ok: true; slots: Slots } | { ok: false; error: string };

/** Models send nulls and empty strings for slots they did not fill; the contract has neither. */
function dropEmpty(raw: Record<string, unknown>, known: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    // Extra keys a model invents are ignored rather than failing an otherwise good call.
    if (!known.has(k)) continue;
    if (v === null || v === undefined) continue;
    if (typeof v === "string" && v.trim() === "") continue;
    if (Array.isArray(v) && v.length === 0) continue;
    // A task number sent as "12" is still the number 12.
    out[k] =
      k === "task" && typeof v === "string" && /^#?\d{1,9}$/.test(v.trim())
        ? Number(v.trim().replace("#", ""))
        : v;
  }
  return out;
}

export function validateResult(intent: IntentName, slots: unknown): Validation {
  if (intent === "unknown") return { ok: true, slots: {} };
  const spec = getIntentSpec(intent);
  if (!spec) return { ok: false, error: `unknown intent ${intent}` };
  if (typeof slots !== "object" || slots === null || Array.isArray(slots))
    return { ok: false, error: "slots must be an object" };
  const known = new Set(Object.keys(spec.slots));
  const parsed = slotsSchema(spec).safeParse(dropEmpty(slots as Record<string, unknown>, known));
  if (!parsed.success)
    return {
      ok: false,
      error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
    };
  return { ok: true, slots: parsed.data as Slots };
}
