// Text clean-up shared by every rule. The parser must survive anything a channel can deliver
// (100 KB pastes, control characters, bidi marks), so work is bounded to a prefix up front.

/** Longer inputs are cut: real utterances are short and the regexes must stay linear-ish in cost. */
export const MAX_PARSE_CHARS = 600;

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
// Bidi overrides, zero-width characters and BOM: invisible, but they would break word matching.
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

export function sanitize(raw: string): string {
  let s = raw.length > MAX_PARSE_CHARS * 4 ? raw.slice(0, MAX_PARSE_CHARS * 4) : raw;
  s = s
    .replace(CONTROL, " ")
    .replace(INVISIBLE, "")
    .replace(/[\u2018\u2019\u02bc\u2032`]/g, "'")
    .replace(/[\u201c\u201d\u00ab\u00bb]/g, '"')
    .replace(/[\u2013\u2014]/g, " - ")
    .replace(/\s+/g, " ")
    .trim();
  return s.length > MAX_PARSE_CHARS ? s.slice(0, MAX_PARSE_CHARS) : s;
}

// Hesitations never carry meaning, wherever they occur.
const HESITATION = /(^|[\s,])(?:u+m+|u+h+m*|e+r+m*|h+m+|m+h*m+|a+h+|you know|i mean)(?=[\s,.!?]|$)[,.]?/gi;
const POLITENESS =
  /(^|[\s,])(?:please|pls|plz|kindly|thanks|thank you|thx|ty|cheers|if you (?:can|could|don't mind)|if possible|when you get a chance|real quick|for me)(?=[\s,.!?]|$)[,.!]?/gi;
// Openers people put before the actual request; stripped repeatedly from the start only,
// because words like "so" or "well" inside a sentence can be content.
const LEADING =
  /^(?:(?:hey|hi|hello|ok|okay|yo)[\s,]+(?:cos|chief of staff|chief)\b|(?:cos|chief of staff|chief)(?=\s*[,:])|so|okay|ok|alright|all right|well|like|hey|hi|hello|yo|right|now|and|oh|also|then|actually|basically|listen|quick one|quick question|one more thing|another thing|(?:hey |ok |okay )?(?:hub|bot|agentops|assistant|computer)|can you|could you|would you|will you|would you mind|i'd like you to|i would like you to|i want you to|i need you to|i'd like to|i would like to|i want to|i wanna|i need to|i'd love (?:it )?if you(?: could)?|let's|lets|let us|go ahead and|just|quickly|hey there)(?:[\s,:!.-]+|$)/i;
// "to like fix", "it's like done": filler "like" after a function word (not "looks like", "I'd like").
const FILLER_LIKE = /\b(to|and|so|just|is|it's|its|was|the|a)\s+like\s+/gi;

export function stripFillers(s: string): string {
  let out = s.replace(HESITATION, "$1").replace(POLITENESS, "$1").replace(FILLER_LIKE, "$1 ");
  out = out
    .replace(/\s+/g, " ")
    .replace(/\s+([,.!?])/g, "$1")
    .trim();
  for (let i = 0; i < 8; i++) {
    const next = out.replace(LEADING, "").trim();
    if (next === out) break;
    out = next;
  }
  return trimPunct(out);
}

/** Drops surrounding punctuation and quotes that never belong to a value. */
export function trimPunct(s: string): string {
  return s
    .replace(/^[\s,.;:!?\-–"']+/, "")
    .replace(/[\s,.;:!?\-–"']+$/, "")
    .trim();
}

// Connector words left dangling once a slot phrase has been cut out of a title.
const DANGLING_END =
  /(?:[\s,;:-]+|\b(?:and|with|for|by|due|on|in|to|the|at|before|until|till|of|as|it's|make it|set|a|an|under|into|from|priority)\b)+$/i;
const DANGLING_START = /^(?:[\s,;:-]+|\b(?:to|that|which|and|called|named|titled|about|saying)\b\s+)+/i;

/** Turns what is left after slot extraction into a title: the person's words, trimmed. */
export function cleanValue(s: string): string {
  let out = s.replace(/\s*,\s*(?:,\s*)+/g, ", ").replace(/\s+/g, " ");
  for (let i = 0; i < 4; i++) {
    const next = trimPunct(out.replace(DANGLING_END, "").replace(DANGLING_START, ""));
    if (next === out) break;
    out = next;
  }
  return out.replace(/^"(.*)"$/, "$1").trim();
}

/** Cuts [start, end) out of s, leaving a single space. */
export function cut(s: string, start: number, end: number): string {
  return `${s.slice(0, start)} ${s.slice(end)}`.replace(/\s+/g, " ").trim();
}

export function wordCount(s: string): number {
  const m = s.match(/\S+/g);
  return m ? m.length : 0;
}

export function hasLetters(s: string): boolean {
  return /\p{L}/u.test(s);
}
