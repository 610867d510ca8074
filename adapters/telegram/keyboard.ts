import type { InlineKeyboardMarkup } from "grammy/types";
import type { ReplyButton } from "../../src/channels/types.ts";

/** Telegram's limit on callback_data, in bytes. */
export const CALLBACK_DATA_LIMIT = 64;

/**
 * Reply buttons as an inline keyboard: callback_data is the button's data. A button whose data
 * Telegram would refuse (empty or over 64 bytes) is left out and named in `dropped`.
 */
export function toInlineKeyboard(rows: readonly (readonly ReplyButton[])[]): {
  markup: InlineKeyboardMarkup | undefined;
  dropped: ReplyButton[];
} {
  const dropped: ReplyButton[] = [];
  const keyboard = rows
    .map((row) =>
      row.filter((b) => {
        const bytes = Buffer.byteLength(b.data, "utf8");
        const ok = bytes > 0 && bytes <= CALLBACK_DATA_LIMIT && b.label.trim().length > 0;
        if (!ok) dropped.push(b);
        return ok;
      }),
    )
    .filter((row) => row.length > 0)
    .map((row) => row.map((b) => ({ text: b.label, callback_data: b.data })));
  return { markup: keyboard.length > 0 ? { inline_keyboard: keyboard } : undefined, dropped };
}

/** The label of the button with this data on a message's keyboard, if it is there. */
export function buttonLabel(markup: InlineKeyboardMarkup | undefined, data: string): string | undefined {
  for (const row of markup?.inline_keyboard ?? []) {
    for (const b of row) if ("callback_data" in b && b.callback_data === data) return b.text;
  }
  return undefined;
}
