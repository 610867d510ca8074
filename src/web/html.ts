/**
 * The one escaping helper: every interpolation in an `html` template is escaped unless it is
 * itself the output of `html` (already safe). Arrays are joined; null, undefined and false
 * render nothing, so `${cond && html`...`}` reads naturally.
 */
export class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

function render(v: Interpolation): string {
  if (v === null || v === undefined || v === false || v === true) return "";
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join("");
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? "");
  return new Html(out);
}

/** Joins already-safe pieces. */
export const join = (parts: readonly Html[], sep = "") => new Html(parts.map((p) => p.value).join(sep));
