/** Telegram refuses a message longer than this (counted after entity parsing, in UTF-16 units). */
export const TELEGRAM_MESSAGE_LIMIT = 4096;

/**
 * Cuts plain text into pieces of at most `limit` UTF-16 units: on the last line break that fits,
 * else on the last space, else hard (never inside a surrogate pair). Split before escaping, so an
 * HTML entity is never cut in half and the limit counts what the person sees.
 */
export function splitText(text: string, limit = TELEGRAM_MESSAGE_LIMIT): string[] {
  if (limit < 2) throw new RangeError("limit must be at least 2");
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = window.lastIndexOf("\n");
    let skip = 1;
    if (cut <= 0) {
      cut = window.lastIndexOf(" ");
      if (cut <= 0) {
        cut = limit;
        skip = 0;
        const code = rest.charCodeAt(cut - 1);
        if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // keep a surrogate pair together
      }
    }
    const head = rest.slice(0, cut).trimEnd();
    if (head.length > 0) chunks.push(head);
    rest = rest.slice(cut + skip).replace(/^\n+/, "");
  }
  if (rest.trim().length > 0) chunks.push(rest.trimEnd());
  return chunks;
}
