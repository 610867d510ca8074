import type { FastifyInstance } from "fastify";
import type { Logger } from "../logger.ts";

/** Where a person's words came from. */
export type ChannelName = "telegram" | "discord" | "email" | "voice" | "terminal" | "web";

/** What every adapter turns an incoming message into. */
export interface Utterance {
  channel: ChannelName;
  /** the sender's id on that channel: telegram user id, discord user id, email address, phone */
  sender: string;
  senderName?: string;
  /** where to answer: chat id, DM channel id, email thread key, voice session */
  conversation: string;
  text: string;
  /** longer text that came with it: an email's cleaned body becomes a new task's description */
  body?: string;
  /**
   * The adapter itself verified that this speaks for the owner (a voice stack holding
   * VOICE_TOKEN): the dispatcher serves it as the owner whatever `sender` says.
   */
  verifiedOwner?: boolean;
  /**
   * The adapter calls `dispatcher.delivered()` once the reply went out. Until then a redelivery
   * of the same message (the hub died between acting and answering) gets the stored reply
   * again instead of silence, so the answer is never lost.
   */
  confirmsDelivery?: boolean;
  /** unique on the channel; redelivery of the same id never acts twice */
  messageId: string;
  receivedAt: Date;
  /**
   * A button press or a slash command with options already knows its intent: it skips the
   * parser but takes every other step of the dispatcher.
   */
  preset?: { intent: string; slots: Record<string, unknown> };
  /** channel facts the dispatcher may use: the task an email thread belongs to, a transcript's confidence */
  context?: { taskNumber?: number; transcriptConfidence?: number; heard?: string; isGroup?: boolean };
}

export interface ReplyAction {
  /** e.g. task.created, task.completed, project.paused */
  type: string;
  /** task number or project/agent name */
  id: string;
  summary: string;
}

/** A button on a chat reply. `data` is short (Telegram allows 64 bytes); see buttons.ts. */
export interface ReplyButton {
  label: string;
  data: string;
}

/** What the Chief of Staff answers, before a channel formats it. */
export interface Reply {
  /** plain text, channel-neutral, short; adapters escape and split it */
  text: string;
  /** the same, said for a voice channel: no lists, no markdown, under ~75 words */
  speech: string;
  buttons: ReplyButton[][];
  actions: ReplyAction[];
  intent: string;
  awaitingConfirmation: boolean;
  /** the task the reply is about, if one: email threads and buttons use it */
  taskNumber?: number;
  /** nothing should be sent (a duplicate delivery, a refusal already sent this hour) */
  silent: boolean;
}

export interface Dispatcher {
  handle(u: Utterance): Promise<Reply>;
  /** the reply to this message reached the person (see Utterance.confirmsDelivery) */
  delivered?(u: Pick<Utterance, "channel" | "messageId">): Promise<void>;
}

/** A message the hub starts: a notification, a briefing. */
export interface OutboundMessage {
  text: string;
  speech?: string;
  buttons?: ReplyButton[][];
  taskNumber?: number;
}

export interface AdapterContext {
  dispatcher: Dispatcher;
  logger: Logger;
  /** aborted on shutdown; long loops watch it */
  signal: AbortSignal;
}

export interface ChannelAdapter {
  readonly name: ChannelName;
  /** safe to call twice */
  start(ctx: AdapterContext): Promise<void>;
  /** safe to call twice; drains what is in flight */
  stop(): Promise<void>;
  /** sends a message the hub starts (notifications) to a conversation on this channel */
  send(conversation: string, message: OutboundMessage): Promise<void>;
  /** HTTP routes (webhooks) mounted on the hub's fastify instance */
  routes?(app: FastifyInstance): void | Promise<void>;
}
