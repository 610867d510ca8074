import { type GatewayMessageCreateDispatchData, MessageType } from "discord.js";
import type { Utterance } from "../../src/channels/types.ts";

export interface InboundContext {
  /** the bot's own user id (from READY); its messages and mentions of it are recognised by it */
  botUserId: string | undefined;
  /** guild channels the hub answers in (DISCORD_CHANNEL_IDS); DMs are always answered */
  channelIds: readonly string[];
  /** used when the payload carries no usable timestamp */
  now: () => Date;
}

export type ParsedMessage =
  | { ok: true; utterance: Utterance /** a guild message: the answer replies to it */; inGuild: boolean }
  | { ok: false; reason: string };

const TEXT_COMMAND = /^\/(task|tasks|status|agents|projects|help)\b/i;

/**
 * A gateway MESSAGE_CREATE → the utterance for the dispatcher, or why it is not one. DMs are always
 * taken; in a configured guild channel only a message that mentions the bot, replies to it, or starts
 * with a command ("/task …") is. The sender is the Discord user id; messageId is the message id.
 */
export function parseMessageCreate(d: GatewayMessageCreateDispatchData, ctx: InboundContext): ParsedMessage {
  if (d.author?.bot || d.webhook_id) return { ok: false, reason: "from a bot or webhook" };
  if (ctx.botUserId && d.author?.id === ctx.botUserId) return { ok: false, reason: "our own message" };
  if (d.type !== MessageType.Default && d.type !== MessageType.Reply)
    return { ok: false, reason: "not a chat message" };
  if (!d.author?.id || !d.channel_id || !d.id) return { ok: false, reason: "incomplete payload" };

  const inGuild = typeof d.guild_id === "string";
  let text = (d.content ?? "").trim();
  if (inGuild) {
    if (!ctx.channelIds.includes(d.channel_id)) return { ok: false, reason: "channel not configured" };
    const mentioned = ctx.botUserId !== undefined && mentionsUser(d, ctx.botUserId);
    const repliedToBot = ctx.botUserId !== undefined && d.referenced_message?.author?.id === ctx.botUserId;
    if (mentioned && ctx.botUserId) text = stripMention(text, ctx.botUserId);
    if (!mentioned && !repliedToBot && !TEXT_COMMAND.test(text))
      return { ok: false, reason: "not addressed" };
  }

  const base = {
    channel: "discord" as const,
    sender: d.author.id,
    conversation: d.channel_id,
    messageId: d.id,
    receivedAt: timestamp(d.timestamp, ctx.now),
    context: { isGroup: inGuild },
  };
  const senderName = d.member?.nick ?? d.author.global_name ?? d.author.username;
  const named = senderName ? { senderName } : {};
  if (text.length === 0) {
    // A bare mention ("@AgentOps") asks what the hub can do; a DM with only an attachment says nothing.
    if (!inGuild) return { ok: false, reason: "no text" };
    return {
      ok: true,
      inGuild,
      utterance: { ...base, ...named, text: "help", preset: { intent: "help", slots: {} } },
    };
  }
  return { ok: true, inGuild, utterance: { ...base, ...named, text } };
}

function mentionsUser(d: GatewayMessageCreateDispatchData, userId: string): boolean {
  if (d.mentions?.some((u) => u.id === userId)) return true;
  return /^\d+$/.test(userId) && new RegExp(`<@!?${userId}>`).test(d.content ?? "");
}

function stripMention(text: string, userId: string): string {
  if (!/^\d+$/.test(userId)) return text;
  return text
    .replace(new RegExp(`<@!?${userId}>`, "g"), " ")
    .replace(/[ \t]{2,}/g, " ")
    .replace(/^[\s,:]+/, "")
    .trim();
}

export function timestamp(iso: string | undefined, now: () => Date): Date {
  const t = iso ? new Date(iso) : undefined;
  return t && !Number.isNaN(t.getTime()) ? t : now();
}
