export { createTelegramAdapter, type TelegramAdapter, type TelegramStatus } from "./adapter.ts";
export { BOT_COMMANDS } from "./commands.ts";
export { formatMessage, type TelegramChunk } from "./format-message.ts";
export { escapeHtml } from "./html.ts";
export { type ParsedUpdate, parseUpdate } from "./parse-update.ts";
export {
  DEFAULT_TUNING,
  type TelegramAdapterConfig,
  type TelegramAdapterDeps,
  type TelegramTuning,
} from "./settings.ts";
export { splitText, TELEGRAM_MESSAGE_LIMIT } from "./split-text.ts";
