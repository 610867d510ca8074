import { type AddressObject, type HeaderValue, type ParsedMail, simpleParser } from "mailparser";
import { hashMessageId, messageIdList, normalizeMessageId } from "./message-id.ts";

export interface EmailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** A message as the adapter needs it: no I/O, so recorded mail replays as fixtures. */
export interface ParsedEmail {
  messageId: string;
  /** true when the message had no Message-ID and `messageId` is a hash of its bytes */
  messageIdSynthesized: boolean;
  from: { address: string; name?: string } | undefined;
  subject: string;
  date: Date | undefined;
  inReplyTo: string[];
  references: string[];
  /** plain text body (mailparser's text, or the HTML turned to text) */
  text: string;
  attachments: EmailAttachment[];
  /** the loop and flood guard's inputs */
  headers: {
    contentType: string;
    autoSubmitted: string | undefined;
    precedence: string | undefined;
    listId: boolean;
    listUnsubscribe: boolean;
    returnPath: string | undefined;
    autoReplyHeader: boolean;
    hubMarker: boolean;
  };
}

export type ParseResult =
  | { ok: true; mail: ParsedEmail }
  | { ok: false; reason: string; messageId: string; from: ParsedEmail["from"]; subject: string };

const headerText = (v: HeaderValue | undefined): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === "string" ? x : x.value)).join(" ");
  if (v instanceof Date) return v.toISOString();
  if ("value" in v && typeof v.value === "string") return v.value;
  if ("text" in v) return (v as AddressObject).text;
  return undefined;
};

function firstAddress(a: AddressObject | undefined): ParsedEmail["from"] {
  for (const v of a?.value ?? []) {
    const candidates = v.group ?? [v];
    for (const c of candidates) {
      const address = c.address?.trim().toLowerCase();
      if (address && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
        return c.name ? { address, name: c.name } : { address };
      }
    }
  }
  return undefined;
}

/** The top-level header block (before the first empty line), unfolded, keyed lowercase. */
function topHeaders(raw: Buffer): Map<string, string> | undefined {
  const head = raw.subarray(0, Math.min(raw.length, 256 * 1024)).toString("latin1");
  const end = head.search(/\r?\n\r?\n/);
  if (end < 0) return undefined;
  const map = new Map<string, string>();
  for (const line of head
    .slice(0, end)
    .replace(/\r?\n[ \t]+/g, " ")
    .split(/\r?\n/)) {
    const m = /^([!-9;-~]+):\s*(.*)$/.exec(line);
    if (m?.[1] && !map.has(m[1].toLowerCase())) map.set(m[1].toLowerCase(), m[2] ?? "");
  }
  return map;
}

/** Why the MIME structure cannot be trusted, if it cannot. mailparser itself is very lenient. */
function structuralProblem(raw: Buffer, parsed: ParsedMail | undefined): string | undefined {
  const top = topHeaders(raw);
  if (!top || top.size === 0) return "no header block";
  if (!top.has("from")) return "no From header";
  const ct = top.get("content-type") ?? "text/plain";
  if (/^\s*multipart\//i.test(ct)) {
    const b = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
    const boundary = b?.[1] ?? b?.[2];
    if (!boundary) return "multipart without a boundary";
    if (!raw.includes(`--${boundary}`)) return "multipart boundary never appears in the body";
  }
  const cte = top.get("content-transfer-encoding")?.trim().toLowerCase();
  if (cte && !["7bit", "8bit", "binary", "base64", "quoted-printable"].includes(cte)) {
    return `unknown Content-Transfer-Encoding ${cte}`;
  }
  if (parsed && parsed.headers.size === 0) return "no parseable headers";
  return undefined;
}

/** Raw RFC 822 bytes → ParsedEmail, or the reason the message is malformed. */
export async function parseMessage(raw: Buffer): Promise<ParseResult> {
  let parsed: ParsedMail | undefined;
  let error: string | undefined;
  try {
    parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  } catch (e) {
    error = `unparseable MIME: ${(e as Error).message}`;
  }
  const givenId = normalizeMessageId(parsed?.messageId);
  const messageId = givenId ?? hashMessageId(raw);
  const from = firstAddress(parsed?.from);
  const subject = (parsed?.subject ?? "").replace(/\s+/g, " ").trim();
  const problem = error ?? structuralProblem(raw, parsed) ?? (from ? undefined : "no usable From address");
  if (problem || !parsed) return { ok: false, reason: problem ?? "unparseable", messageId, from, subject };

  const h = parsed.headers;
  const contentType = headerText(h.get("content-type"))?.toLowerCase() ?? "text/plain";
  const text = parsed.text ?? (typeof parsed.html === "string" ? htmlToText(parsed.html) : "");
  return {
    ok: true,
    mail: {
      messageId,
      messageIdSynthesized: givenId === undefined,
      from,
      subject,
      date: parsed.date,
      inReplyTo: messageIdList(parsed.inReplyTo),
      references: messageIdList(parsed.references),
      text: text.replace(/\r\n/g, "\n"),
      attachments: parsed.attachments
        .filter((a) => a.contentDisposition === "attachment" || !a.related)
        .map((a, i) => ({
          filename: safeFilename(a.filename, i, a.contentType),
          contentType: a.contentType || "application/octet-stream",
          content: a.content,
        })),
      headers: {
        contentType,
        autoSubmitted: headerText(h.get("auto-submitted"))?.trim().toLowerCase(),
        precedence: headerText(h.get("precedence"))?.trim().toLowerCase(),
        listId: h.has("list-id"),
        listUnsubscribe: h.has("list-unsubscribe"),
        returnPath: headerText(h.get("return-path"))?.trim(),
        autoReplyHeader: h.has("x-autoreply") || h.has("x-autorespond") || h.has("x-autoreply-from"),
        hubMarker: h.has("x-agentops-hub"),
      },
    },
  };
}

/** A name safe to show and store: no path parts, no control characters. */
export function safeFilename(name: string | undefined, index: number, contentType: string): string {
  const base = (name ?? "")
    .replace(/[\\/]/g, "_")
    .replace(/[\p{Cc}]/gu, "")
    .trim()
    .slice(0, 200);
  if (base && base !== "." && base !== "..") return base;
  const ext =
    contentType
      .split("/")[1]
      ?.replace(/[^a-z0-9]/gi, "")
      .slice(0, 10) || "bin";
  return `attachment-${index + 1}.${ext}`;
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, "")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div|li|tr|h\d)>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}
