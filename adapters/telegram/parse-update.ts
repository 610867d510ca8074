import type { Message, MessageEntity, Update } from "grammy/types";
import { decodeButton } from "../../src/channels/buttons.ts";
import type { Utterance } from "../../src/channels/types.ts";
import { buttonLabel } from "./keyboard.ts";

export interface BotIdentity {
  id: number;
  username: string;
}

/** Where an incoming message sits: answers go to `chatId`, in a group as a reply to `messageId`. */
export interface ChatRef {
  chatId: number;
  messageId: number;
  isGroup: boolean;
}

export interface VoiceFile {
  fileId: string;
  mimeType: string;
  fileSize?: number;
  durationSeconds?: number;
}

/** What one Telegram update asks of the adapter. Pure data: recorded payloads replay as fixtures. */
export type ParsedUpdate =
  | { kind: "text"; utterance: Utterance; chat: ChatRef }
  /** `utterance.text` is empty until the voice note is transcribed */
  | { kind: "voice"; utterance: Utterance; chat: ChatRef; file: VoiceFile }
  /** `utterance` is undefined for button data we did not make (an old or foreign button) */
  | {
      kind: "callback";
      queryId: string;
      data: string;
      utterance: Utterance | undefined;
      pressed: ChatRef | undefined;
    }
  | { kind: "unsupported"; chat: ChatRef; what: string }
  | { kind: "ignored"; reason: string };

/**
 * A Telegram update to what the dispatcher needs. In groups only messages addressed to the bot
 * count: a command (for this bot), an @mention, or a reply to one of the bot's messages.
 * `now` stamps a button press, which carries no date of its own.
 */
export function parseUpdate(update: Update, bot: BotIdentity, now: Date): ParsedUpdate {
  if (update.callback_query) return parseCallback(update.callback_query, now);
  const msg = update.message;
  if (!msg) return { kind: "ignored", reason: `unhandled update type: ${updateType(update)}` };
  const from = msg.from;
  if (!from) return { kind: "ignored", reason: "message without a sender" };
  if (from.is_bot) return { kind: "ignored", reason: "message from a bot" };

  const isGroup = msg.chat.type === "group" || msg.chat.type === "supergroup";
  const chat: ChatRef = { chatId: msg.chat.id, messageId: msg.message_id, isGroup };
  const base = {
    channel: "telegram" as const,
    sender: String(from.id),
    conversation: String(msg.chat.id),
    messageId: `tg:${msg.chat.id}:${msg.message_id}`,
    receivedAt: new Date(msg.date * 1000),
    context: { isGroup },
    ...senderName(from),
  };
  const replyToBot = msg.reply_to_message?.from?.id === bot.id;

  if (typeof msg.text === "string") {
    const addressed = addressedText(msg.text, msg.entities ?? [], bot, isGroup, replyToBot);
    if (addressed.kind === "ignored") return addressed;
    if (addressed.text.length === 0) return { kind: "ignored", reason: "only a mention, no words" };
    return { kind: "text", utterance: { ...base, text: addressed.text }, chat };
  }

  const voice = voiceFile(msg);
  if (voice) {
    const captionMentions = msg.caption ? mentionsBot(msg.caption, msg.caption_entities ?? [], bot) : false;
    if (isGroup && !replyToBot && !captionMentions) {
      return { kind: "ignored", reason: "group voice note not addressed to the bot" };
    }
    return { kind: "voice", utterance: { ...base, text: "" }, chat, file: voice };
  }

  if (isGroup && !replyToBot) return { kind: "ignored", reason: "group message not addressed to the bot" };
  return { kind: "unsupported", chat, what: contentKind(msg) };
}

function parseCallback(q: NonNullable<Update["callback_query"]>, now: Date): ParsedUpdate {
  const data = q.data ?? "";
  const message = q.message && "chat" in q.message ? q.message : undefined;
  const isGroup = message ? message.chat.type === "group" || message.chat.type === "supergroup" : false;
  const pressed = message ? { chatId: message.chat.id, messageId: message.message_id, isGroup } : undefined;
  const preset = data ? decodeButton(data) : undefined;
  if (!preset || q.from.is_bot)
    return { kind: "callback", queryId: q.id, data, utterance: undefined, pressed };
  const markup = message && "reply_markup" in message ? message.reply_markup : undefined;
  const utterance: Utterance = {
    channel: "telegram",
    sender: String(q.from.id),
    conversation: String(message?.chat.id ?? q.from.id),
    text: buttonLabel(markup, data) ?? data,
    messageId: `tg:cb:${q.id}`,
    receivedAt: now,
    preset,
    context: { isGroup },
    ...senderName(q.from),
  };
  return { kind: "callback", queryId: q.id, data, utterance, pressed };
}

type Addressed = { kind: "text"; text: string } | { kind: "ignored"; reason: string };

/** The words meant for the bot: `/task@bot x` → `/task x`; `@bot add x` → `add x`. */
export function addressedText(
  text: string,
  entities: readonly MessageEntity[],
  bot: BotIdentity,
  isGroup: boolean,
  replyToBot: boolean,
): Addressed {
  const trimmed = text.trim();
  const command = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?=\s|$)/.exec(trimmed);
  if (command) {
    const target = command[2];
    if (target && target.toLowerCase() !== bot.username.toLowerCase()) {
      return { kind: "ignored", reason: "command for another bot" };
    }
    const rest = trimmed.slice(command[0].length);
    return { kind: "text", text: stripMentions(`/${command[1] ?? ""}${rest}`, bot) };
  }
  if (isGroup && !replyToBot && !mentionsBot(text, entities, bot)) {
    return { kind: "ignored", reason: "group message not addressed to the bot" };
  }
  return { kind: "text", text: stripMentions(trimmed, bot) };
}

function mentionsBot(text: string, entities: readonly MessageEntity[], bot: BotIdentity): boolean {
  for (const e of entities) {
    if (e.type === "text_mention" && e.user.id === bot.id) return true;
    if (e.type === "mention") {
      const m = text.slice(e.offset, e.offset + e.length);
      if (m.toLowerCase() === `@${bot.username.toLowerCase()}`) return true;
    }
  }
  return mentionPattern(bot).test(text);
}

function mentionPattern(bot: BotIdentity): RegExp {
  return new RegExp(`(^|[^A-Za-z0-9_])@${bot.username.replace(/[^A-Za-z0-9_]/g, "")}(?![A-Za-z0-9_])`, "i");
}

function stripMentions(text: string, bot: BotIdentity): string {
  const re = new RegExp(
    `(^|[^A-Za-z0-9_])@${bot.username.replace(/[^A-Za-z0-9_]/g, "")}(?![A-Za-z0-9_])[,:]?`,
    "gi",
  );
  return text
    .replace(re, "$1")
    .replace(/[ \t]{2,}/g, " ")
    .replace(/^[\s,:]+/, "")
    .trim();
}

function voiceFile(msg: Message): VoiceFile | undefined {
  const v = msg.voice ?? msg.audio;
  if (!v) return undefined;
  const file: VoiceFile = {
    fileId: v.file_id,
    mimeType: v.mime_type ?? (msg.voice ? "audio/ogg" : "audio/mpeg"),
  };
  if (v.file_size !== undefined) file.fileSize = v.file_size;
  if (v.duration !== undefined) file.durationSeconds = v.duration;
  return file;
}

function senderName(u: { first_name: string; last_name?: string; username?: string }): {
  senderName?: string;
} {
  const name = [u.first_name, u.last_name].filter((s) => s && s.trim().length > 0).join(" ") || u.username;
  return name ? { senderName: name } : {};
}

function contentKind(msg: Message): string {
  for (const k of [
    "photo",
    "video",
    "video_note",
    "document",
    "sticker",
    "animation",
    "location",
    "contact",
  ]) {
    if (k in msg) return k.replace("_", " ");
  }
  return "message";
}

function updateType(update: Update): string {
  return Object.keys(update).find((k) => k !== "update_id") ?? "empty";
}
