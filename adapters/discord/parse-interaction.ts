import {
  type APIInteraction,
  type APIUser,
  ApplicationCommandType,
  ComponentType,
  InteractionType,
} from "discord.js";
import { decodeButton } from "../../src/channels/buttons.ts";
import type { Utterance } from "../../src/channels/types.ts";
import { commandUtterance } from "./commands.ts";
import { buttonLabel } from "./components.ts";
import type { InboundContext } from "./parse-message.ts";

/** What is needed to answer an interaction through its callback and its webhook. */
export interface InteractionRef {
  id: string;
  token: string;
  applicationId: string;
  kind: "command" | "button";
  /** in a guild channel (answers meant for one person there are ephemeral) */
  inGuild: boolean;
}

export type ParsedInteraction =
  | { ok: true; ref: InteractionRef; utterance: Utterance }
  /** `notice`: an ephemeral answer to give instead of a dispatcher reply; none for ignored types */
  | { ok: false; reason: string; ref?: InteractionRef; notice?: string };

/**
 * A gateway INTERACTION_CREATE → the utterance for the dispatcher. A slash command carries a preset
 * (intent + slots) and a text rendering; a button press decodes its custom_id (decodeButton) into a
 * preset. The sender is the Discord user id; messageId is the interaction id.
 */
export function parseInteractionCreate(i: APIInteraction, ctx: InboundContext): ParsedInteraction {
  if (i.type !== InteractionType.ApplicationCommand && i.type !== InteractionType.MessageComponent) {
    return { ok: false, reason: `interaction type ${i.type} not handled` };
  }
  const user: APIUser | undefined = i.member?.user ?? i.user;
  const channelId = i.channel?.id ?? i.channel_id;
  if (!user?.id || !channelId || !i.id || !i.token) return { ok: false, reason: "incomplete payload" };
  const inGuild = typeof i.guild_id === "string";
  const kind = i.type === InteractionType.ApplicationCommand ? "command" : "button";
  const ref: InteractionRef = { id: i.id, token: i.token, applicationId: i.application_id, kind, inGuild };

  if (inGuild && !ctx.channelIds.includes(channelId)) {
    const where = ctx.channelIds.map((c) => `<#${c}>`).join(", ");
    return {
      ok: false,
      reason: "channel not configured",
      ref,
      notice: where ? `I answer in direct messages and in ${where}.` : "I answer in direct messages.",
    };
  }

  const senderName = i.member?.nick ?? user.global_name ?? user.username;
  const base = {
    channel: "discord" as const,
    sender: user.id,
    ...(senderName ? { senderName } : {}),
    conversation: channelId,
    messageId: i.id,
    receivedAt: snowflakeTime(i.id) ?? ctx.now(),
  };

  if (i.type === InteractionType.ApplicationCommand) {
    if (i.data.type !== ApplicationCommandType.ChatInput) {
      return { ok: false, reason: "not a slash command", ref, notice: "That command is not supported." };
    }
    const cmd = commandUtterance(i.data.name, i.data.options);
    if (!cmd)
      return {
        ok: false,
        reason: `unknown command ${i.data.name}`,
        ref,
        notice: "I don't know that command.",
      };
    const preset = cmd.preset ? { preset: cmd.preset } : {};
    return {
      ok: true,
      ref,
      utterance: { ...base, text: cmd.text, ...preset, context: { isGroup: inGuild } },
    };
  }

  if (i.data.component_type !== ComponentType.Button) {
    return { ok: false, reason: "not a button", ref, notice: "That control is not supported." };
  }
  const preset = decodeButton(i.data.custom_id);
  if (!preset)
    return { ok: false, reason: "unknown button", ref, notice: "That button is no longer active." };
  const label = buttonLabel(i.message?.components, i.data.custom_id) ?? i.data.custom_id;
  const taskNumber = typeof preset.slots.task === "number" ? { taskNumber: preset.slots.task } : {};
  return {
    ok: true,
    ref,
    utterance: {
      ...base,
      text: label,
      preset,
      context: { isGroup: inGuild, ...taskNumber },
    },
  };
}

// Interactions carry no timestamp; a snowflake id encodes when it was made.
const DISCORD_EPOCH = 1_420_070_400_000n;
export function snowflakeTime(id: string): Date | undefined {
  if (!/^\d{1,20}$/.test(id)) return undefined;
  const ms = Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
