import type { InlineKeyboardMarkup } from "grammy/types";
import type { ReplyButton } from "../../src/channels/types.ts";
import { escapeHtml } from "./html.ts";
import { toInlineKeyboard } from "./keyboard.ts";
import { splitText, TELEGRAM_MESSAGE_LIMIT } from "./split-text.ts";

/** One sendMessage: HTML text, and the keyboard on the last piece of a reply. */
export interface TelegramChunk {
  html: string;
  /** the same piece unformatted: sent as is if Telegram ever refuses the HTML */
  text: string;
  replyMarkup?: InlineKeyboardMarkup;
}

export interface MessageToFormat {
  text: string;
  buttons?: readonly (readonly ReplyButton[])[];
  /** a voice note's transcript: the message starts with "I heard: …" */
  heard?: string;
}

export const HEARD_PREFIX = "I heard: ";

/**
 * Channel-neutral text to Telegram messages (parse_mode HTML): split at 4096 visible characters on
 * line breaks, every piece escaped, the keyboard under the last piece.
 */
export function formatMessage(
  msg: MessageToFormat,
  limit = TELEGRAM_MESSAGE_LIMIT,
): { chunks: TelegramChunk[]; dropped: ReplyButton[] } {
  const heard = msg.heard === undefined ? "" : `${HEARD_PREFIX}“${msg.heard}”`;
  const plain = [heard, msg.text.trim()].filter((s) => s.length > 0).join("\n\n");
  const pieces = splitText(plain, limit);
  const html = pieces.map((p, i) =>
    i === 0 && heard && p.startsWith(HEARD_PREFIX)
      ? `<i>${escapeHtml(HEARD_PREFIX.trimEnd())}</i> ${escapeHtml(p.slice(HEARD_PREFIX.length))}`
      : escapeHtml(p),
  );
  const { markup, dropped } = toInlineKeyboard(msg.buttons ?? []);
  if (pieces.length === 0 && markup) {
    pieces.push("…");
    html.push("…");
  }
  const chunks: TelegramChunk[] = html.map((h, i) => ({ html: h, text: pieces[i] ?? "" }));
  const last = chunks.at(-1);
  if (last && markup) last.replyMarkup = markup;
  return { chunks, dropped };
}
