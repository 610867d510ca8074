import { isOwnMessageId } from "./message-id.ts";
import type { ParsedEmail } from "./parse-message.ts";

const ROBOT_LOCAL_PARTS =
  /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply)(\+.*)?$/i;

/**
 * Why a message must not be answered nor acted on (mail from the hub itself, auto-replies,
 * bounces, lists), or undefined when it is a person's mail. RFC 3834 and the usual headers.
 */
export function dropReason(
  mail: ParsedEmail,
  own: { fromAddress: string; idDomain: string },
): string | undefined {
  const h = mail.headers;
  const from = mail.from?.address ?? "";
  if (from === own.fromAddress) return "from the hub's own address";
  if (h.hubMarker) return "sent by an AgentOps hub";
  if (isOwnMessageId(mail.messageId, own.idDomain)) return "carries the hub's own Message-ID";
  if (h.autoSubmitted && h.autoSubmitted.split(";")[0]?.trim() !== "no")
    return `Auto-Submitted: ${h.autoSubmitted}`;
  if (h.precedence && ["bulk", "list", "junk", "auto_reply"].includes(h.precedence)) {
    return `Precedence: ${h.precedence}`;
  }
  if (h.listId) return "a mailing-list message (List-Id)";
  if (h.listUnsubscribe) return "a bulk message (List-Unsubscribe)";
  if (h.autoReplyHeader) return "an auto-reply (X-Autoreply)";
  if (/^multipart\/report/.test(h.contentType)) return "a delivery or read report (multipart/report)";
  if (h.returnPath !== undefined && /^<?\s*>?$/.test(h.returnPath)) return "a null return path (bounce)";
  const local = from.slice(0, from.lastIndexOf("@"));
  if (ROBOT_LOCAL_PARTS.test(local)) return `from a robot address (${local})`;
  return undefined;
}
