// "the second one", "14", "the landing page one": an answer to "which one?".

const ORDINALS: Record<string, number> = {
  first: 1,
  "1st": 1,
  second: 2,
  "2nd": 2,
  two: 2,
  third: 3,
  "3rd": 3,
  three: 3,
};
const FILLER = new Set([
  "the",
  "one",
  "task",
  "number",
  "no",
  "please",
  "i",
  "mean",
  "meant",
  "its",
  "it's",
  "it",
  "is",
  "that",
  "this",
  "option",
  "ok",
  "okay",
  "um",
  "uh",
  "yes",
  "yeah",
]);

export interface ChoiceOption {
  number: number;
  title: string;
}

const words = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s']/gu, " ")
    .split(/\s+/)
    .filter((w) => w.length > 0);

/**
 * The option the answer points at, or undefined. A bare number is a task number when one of
 * the options has it, else a position; title words must fit exactly one option.
 */
export function pickChoice(text: string, options: readonly ChoiceOption[], opts: { titleWords: boolean }) {
  const all = words(text);
  if (all.length === 0 || all.length > 12) return undefined;
  const digits = all.filter((w) => /^\d+$/.test(w));
  if (digits.length === 1 && all.every((w) => /^\d+$/.test(w) || FILLER.has(w))) {
    const n = Number(digits[0]);
    const byNumber = options.find((o) => o.number === n);
    if (byNumber) return byNumber;
    if (n >= 1 && n <= options.length) return options[n - 1];
    return undefined;
  }
  const ords = all.filter((w) => w in ORDINALS || w === "last");
  // "one" is filler in "the second one", but alone it is the first option.
  if (ords.length === 0 && all.includes("one") && all.every((w) => FILLER.has(w))) return options[0];
  if (ords.length === 1 && all.every((w) => w in ORDINALS || w === "last" || FILLER.has(w))) {
    const pos = ords[0] === "last" ? options.length : (ORDINALS[ords[0] ?? ""] ?? 0);
    return options[pos - 1];
  }
  if (!opts.titleWords) return undefined;
  const key = all.filter((w) => !FILLER.has(w) && !(w in ORDINALS));
  if (key.length === 0) return undefined;
  const fits = options.filter((o) => {
    const title = words(o.title);
    return key.every((k) => title.some((t) => t === k || t.startsWith(k)));
  });
  return fits.length === 1 ? fits[0] : undefined;
}
