import EmailReplyParser from "email-reply-parser";

// Closing lines people put above their name; what follows them is a signature.
const VALEDICTION =
  /^(thanks|thank you|thanks again|many thanks|cheers|best|best regards|kind regards|regards|warm regards|all the best|sincerely|br|thx|ty)[,.!]?$/i;
// Lines mail clients add that are neither the message nor a quote.
const CLIENT_FOOTER =
  /^(sent from my \w+|get outlook for \w+|sent from (mail|outlook) for \w+|envoyé de mon \w+)/i;
// A quote header email-reply-parser does not know (Outlook's "From: ... Sent: ..." block in other forms).
const QUOTE_HEADER =
  /^(-{2,}\s*original message\s*-{2,}|_{10,}|from:\s.+|on .{4,200}wrote:|le .{4,200}a écrit\s?:|am .{4,200}schrieb .{1,100}:)$/i;

/**
 * The new words of a message: quoted replies, "On … wrote:" headers, signatures and client
 * footers removed, blank runs collapsed. Never returns the quoted text instead of nothing.
 */
export function cleanBody(text: string): string {
  let visible: string;
  try {
    visible = new EmailReplyParser().parseReply(text.replace(/\r\n/g, "\n"));
  } catch {
    visible = text;
  }
  const lines = visible.replace(/\r\n/g, "\n").split("\n");
  const out: string[] = [];
  for (const raw of lines) {
    const line = raw.trimEnd();
    const t = line.trim();
    if (QUOTE_HEADER.test(t) || t === "--" || t === "-- ") break;
    if (t.startsWith(">")) continue;
    if (CLIENT_FOOTER.test(t)) break;
    out.push(line);
  }
  // a valediction within the last few non-empty lines ends the message
  const nonEmpty = out.map((l, i) => [l.trim(), i] as const).filter(([l]) => l.length > 0);
  for (const [l, i] of nonEmpty.slice(-4)) {
    if (VALEDICTION.test(l) && i > 0) {
      out.length = i;
      break;
    }
  }
  return out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** The first paragraph of a cleaned body, on one line, at most `maxChars`: a reply's command or note. */
export function firstLines(cleaned: string, maxChars = 500): string {
  const para = cleaned.split(/\n\s*\n/)[0] ?? "";
  const one = para.replace(/\s+/g, " ").trim();
  return one.length <= maxChars ? one : `${one.slice(0, maxChars - 1).trimEnd()}…`;
}

/** "Re: Fwd: Launch" → "Launch" */
export function stripSubjectPrefixes(subject: string): string {
  let s = subject.trim();
  for (;;) {
    const next = s.replace(/^(re|fw|fwd|aw|wg|sv|tr|rv|antw)(\[\d+\])?\s*:\s*/i, "");
    if (next === s) return s;
    s = next;
  }
}
