import { type APIAllowedMentions, type APIEmbed, escapeMarkdown } from "discord.js";
import type { ReplyButton } from "../../src/channels/types.ts";
import { type ActionRow, buttonRows } from "./components.ts";
import { DISCORD_MESSAGE_LIMIT, splitText } from "./split-text.ts";

/** One Discord message body: what POST /channels/:id/messages and interaction callbacks take. */
export interface DiscordMessagePayload {
  content?: string;
  embeds?: APIEmbed[];
  components?: ActionRow[];
  allowed_mentions: APIAllowedMentions;
}

export interface Formattable {
  text: string;
  buttons?: readonly (readonly ReplyButton[])[] | undefined;
}

const EMBED_DESCRIPTION_LIMIT = 4096;
const EMBED_TITLE_LIMIT = 256;
const EMBED_COLOR = 0x5865f2;
/** A task line: "#12 …", "- #12 …", "• #12 …". */
const TASK_LINE = /^\s*(?:[-*•]\s*)?#\d+\b/;
/** From this many task lines on, a reply reads better as an embed than as text. */
export const EMBED_MIN_TASK_LINES = 3;
// Text the hub writes is plain: nobody should be pinged by it, and its * _ ~ ` | # [ are literal.
const NO_MENTIONS: APIAllowedMentions = { parse: [] };

/**
 * A reply or notification → the Discord messages that carry it, in order. Long text is split at 2000
 * characters on line breaks; a list of tasks (≥ 3 lines starting with "#") becomes an embed; the
 * buttons go under the last message. Empty text without buttons gives [].
 */
export function formatMessage(m: Formattable): DiscordMessagePayload[] {
  const components = buttonRows(m.buttons);
  const payloads = asEmbed(m.text) ?? asText(m.text);
  if (payloads.length === 0) {
    if (components.length === 0) return [];
    payloads.push({ content: "\u200b", allowed_mentions: NO_MENTIONS });
  }
  const last = payloads[payloads.length - 1];
  if (last && components.length > 0) last.components = components;
  return payloads;
}

export function escapeText(text: string): string {
  return escapeMarkdown(text, { heading: true, maskedLink: true });
}

function asText(text: string): DiscordMessagePayload[] {
  return splitText(escapeText(text), DISCORD_MESSAGE_LIMIT).map((content) => ({
    content,
    allowed_mentions: NO_MENTIONS,
  }));
}

function asEmbed(text: string): DiscordMessagePayload[] | undefined {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const taskLines = lines.filter((l) => TASK_LINE.test(l)).length;
  if (taskLines < EMBED_MIN_TASK_LINES) return undefined;
  const first = lines.findIndex((l) => TASK_LINE.test(l));
  const heading = lines
    .slice(0, first)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const body = escapeText(lines.slice(first).join("\n").trim());
  if (body.length > EMBED_DESCRIPTION_LIMIT) return undefined;
  const embed: APIEmbed = { description: body, color: EMBED_COLOR };
  const payload: DiscordMessagePayload = { embeds: [embed], allowed_mentions: NO_MENTIONS };
  const title = escapeText(heading.join(" "));
  if (heading.length === 1 && title.length <= EMBED_TITLE_LIMIT) embed.title = title;
  else if (heading.length > 0) {
    const content = escapeText(heading.join("\n"));
    if (content.length > DISCORD_MESSAGE_LIMIT) return undefined;
    payload.content = content;
  }
  return [payload];
}
