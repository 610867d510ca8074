// The last pass on everything the voice channel says, whatever produced it: no markdown, lists,
// emoji, links or ids a speech engine would spell out, at most three questions, under the word budget.

import { clampSpeech, speakable } from "../../src/cos/speech.ts";

export const MAX_VOICE_WORDS = 75;
const MAX_QUESTIONS = 3;

const UUID = /\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b/gi;
const URL_LIKE = /\b(?:[a-z][a-z0-9+.-]*:\/\/|www\.)\S+/gi;
// a bare domain with a path ("example.com/x"): said as "a link" too
const BARE_LINK = /\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|dev|app|ai|co|fr|de|uk)\/\S*/gi;
// long hex runs (hashes, ids) and API keys
const HEX_ID = /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{16,}\b/gi;
const KEY_LIKE = /\b(?:aoh|sk|pk|rk)_[A-Za-z0-9_-]{12,}\b/g;
const MARKDOWN = /[*_`~#>|[\]{}<>\\^=]+/g;

/** Words in a spoken answer. */
export const countWords = (s: string) => s.split(/\s+/).filter((w) => w.length > 0).length;

/** Keeps the first three questions; later sentences that ask are dropped. */
function limitQuestions(s: string): string {
  const sentences = s.match(/[^.!?]+[.!?]*\s*/g) ?? [s];
  let asked = 0;
  return sentences
    .filter((x) => {
      if (!x.trim().endsWith("?")) return true;
      asked++;
      return asked <= MAX_QUESTIONS;
    })
    .join("")
    .trim();
}

/** Safe to hand to any text-to-speech engine. Pure; empty input gives "". */
export function guardSpeech(input: string, maxWords = MAX_VOICE_WORDS): string {
  const cleaned = speakable(
    input
      .replace(URL_LIKE, "a link")
      .replace(BARE_LINK, "a link")
      .replace(UUID, " ")
      .replace(KEY_LIKE, " ")
      .replace(HEX_ID, " ")
      // list markers at line starts, before the lines become sentences
      .replace(/^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+/gm, ""),
  )
    .replace(MARKDOWN, " ")
    .replace(/\s+([,.!?;:])/g, "$1")
    .replace(/\s{2,}/g, " ")
    .trim();
  if (cleaned.length === 0) return "";
  const out = clampSpeech(limitQuestions(cleaned), maxWords).trim();
  return out.charAt(0).toUpperCase() + out.slice(1);
}
