// What a voice channel reads aloud: plain sentences, nothing a speech engine would spell out.

import { cleanText } from "./text.ts";

export const MAX_SPEECH_WORDS = 70;

const URL_RE = /\b(?:https?:\/\/|www\.)\S+/gi;
const UUID_RE = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const EMAIL_RE = /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g;
// Pictographs, their modifiers, joiners and keycaps; regional indicators (flags).
const EMOJI_RE = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\u{1F1E6}-\u{1F1FF}\u20E3\uFE0E\uFE0F\u200D]/gu;
const MARKUP_RE = /[*_`~#>|[\]{}<>\\^=]+/g;
const ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

export function wordCount(s: string): number {
  return s.split(/\s+/).filter((w) => w.length > 0).length;
}

/** Small counts read better as words: "three tasks". */
export const sayCount = (n: number) => (n >= 0 && n <= 10 ? (ONES[n] ?? String(n)) : String(n));

/** Strips what a speech engine cannot say well; keeps words, numbers and plain punctuation. */
export function speakable(s: string): string {
  return cleanText(
    s
      .replace(/[ \t]*[\r\n]+[ \t]*/g, ". ")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(URL_RE, "a link")
      .replace(UUID_RE, "")
      .replace(EMAIL_RE, (m) => m.replace("@", " at ").replace(/\./g, " dot "))
      .replace(EMOJI_RE, " ")
      .replace(/#(\d+)/g, "number $1")
      .replace(/&/g, " and ")
      .replace(/%/g, " percent")
      .replace(/…/g, "")
      .replace(/\s*[•·–—]\s*/g, ", ")
      .replace(/(?:^|\.\s+)(?:[-+]|\d+[.)])\s+/g, ". ")
      .replace(MARKUP_RE, " ")
      .replace(/\s+([,.!?;:])/g, "$1")
      .replace(/([,.!?;:])(?:\s*[,;:])+/g, "$1")
      .replace(/[:;,]\s*\./g, ".")
      .replace(/([.!?])(?:\s*\.)+/g, "$1")
      .replace(/^[\s,.;:]+/, ""),
  );
}

/** A title inside a spoken sentence: speakable and short. */
export function sayTitle(title: string, maxWords = 8): string {
  const words = speakable(title)
    .replace(/[.!?;:]+$/, "")
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (words.length === 0) return "an untitled task";
  const cut = words
    .slice(0, maxWords)
    .join(" ")
    .replace(/[,;:]+$/, "");
  return words.length > maxWords ? `${cut} and so on` : cut;
}

/** Under the word budget, cut at a sentence end when one is near. */
export function clampSpeech(s: string, max = MAX_SPEECH_WORDS): string {
  const words = s.split(/\s+/).filter((w) => w.length > 0);
  if (words.length <= max) return s;
  const cut = words.slice(0, max).join(" ");
  const end = Math.max(cut.lastIndexOf(". "), cut.lastIndexOf("? "), cut.lastIndexOf("! "));
  if (end > cut.length / 2) return cut.slice(0, end + 1);
  return `${cut.replace(/[,;:]+$/, "")}.`;
}

/** The final pass on every spoken reply. */
export const toSpeech = (s: string) => {
  const out = clampSpeech(speakable(s));
  return out.charAt(0).toUpperCase() + out.slice(1);
};
