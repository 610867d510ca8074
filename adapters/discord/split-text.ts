/** Discord refuses message content over 2000 characters. */
export const DISCORD_MESSAGE_LIMIT = 2000;

/**
 * Splits text into chunks of at most `limit` characters, preferring line breaks, then spaces, and
 * cutting a word only when one is longer than a chunk. Joined back with the break it was cut at, the
 * chunks read as the original text. Never returns an empty chunk; empty text gives [].
 */
export function splitText(text: string, limit = DISCORD_MESSAGE_LIMIT): string[] {
  if (limit < 2) throw new RangeError("limit must be at least 2");
  const chunks: string[] = [];
  let rest = text.replace(/\r\n/g, "\n").replace(/\s+$/, "");
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = window.lastIndexOf("\n");
    if (cut <= 0) cut = window.lastIndexOf(" ");
    if (cut <= 0) cut = safeHardCut(rest, limit);
    const head = rest.slice(0, cut).replace(/\s+$/, "");
    if (head.length > 0) chunks.push(head);
    rest = rest.slice(cut).replace(/^\n+|^ /, "");
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}

// A cut between a backslash and the character it escapes, or inside a surrogate pair, would change
// what the next chunk shows; step back one character in those cases.
function safeHardCut(text: string, limit: number): number {
  let cut = limit;
  const before = text.charCodeAt(cut - 1);
  if (before >= 0xd800 && before <= 0xdbff) cut -= 1;
  else if (text[cut - 1] === "\\" && text[cut - 2] !== "\\") cut -= 1;
  return cut;
}
