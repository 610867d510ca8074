// Spoken numbers: voice transcripts say "task twelve" or "number twenty one" instead of digits.

const UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fourty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

const WORD = `(?:${[...Object.keys(UNITS), ...Object.keys(TENS), "hundred", "thousand"].join("|")})`;
/** Regex source for a number in digits or words ("21", "twenty-one", "one hundred and five"). */
export const NUMBER_SRC = `(?:\\d{1,9}|(?:a\\s+)?${WORD}(?:[\\s-]+(?:and[\\s-]+)?${WORD})*)`;

/** "twenty one" → 21, "12" → 12; undefined when it is not a whole number. */
export function parseNumber(raw: string): number | undefined {
  const s = raw.trim().toLowerCase();
  if (/^\d{1,9}$/.test(s)) return Number(s);
  const tokens = s.split(/[\s-]+/).filter((t) => t !== "and" && t !== "a");
  if (tokens.length === 0) return undefined;
  let total = 0;
  let current = 0;
  let last: "unit" | "ten" | "scale" | undefined;
  for (const t of tokens) {
    const unit = UNITS[t];
    const ten = TENS[t];
    if (unit !== undefined) {
      // "one two" is two numbers, not 3; only "twenty one" may stack.
      if (last === "unit" || (last === "ten" && unit >= 10)) return undefined;
      current += unit;
      last = "unit";
    } else if (ten !== undefined) {
      if (last === "unit" || last === "ten") return undefined;
      current += ten;
      last = "ten";
    } else if (t === "hundred") {
      current = (current || 1) * 100;
      last = "scale";
    } else if (t === "thousand") {
      total += (current || 1) * 1000;
      current = 0;
      last = "scale";
    } else {
      return undefined;
    }
  }
  return total + current;
}
