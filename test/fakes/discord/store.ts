import { dmChannel, type FakeMessage, type FakeUser, type textChannel } from "./payloads.ts";
import { createSnowflakes } from "./snowflake.ts";

export interface InteractionState {
  id: string;
  token: string;
  applicationId: string;
  channelId: string;
  guildId: string | undefined;
  kind: "command" | "button";
  user: FakeUser;
  /** the message a pressed button is on */
  sourceMessageId: string | undefined;
  /** the callback Discord accepted, if any */
  responseType: number | undefined;
  /** the message @original refers to: the reply, or the pressed message for an update */
  originalMessageId: string | undefined;
}

export interface ApiError {
  status: number;
  code: number;
  message: string;
  errors?: unknown;
}

type Channel = ReturnType<typeof dmChannel> | ReturnType<typeof textChannel>;

const MESSAGE_FLAG_EPHEMERAL = 64;
const MESSAGE_FLAG_LOADING = 128;

/** What fake Discord knows: users, channels, messages (the bot's and the people's), interactions. */
export class DiscordStore {
  readonly snowflake = createSnowflakes();
  readonly users = new Map<string, FakeUser>();
  readonly channels = new Map<string, Channel>();
  readonly dmByUser = new Map<string, string>();
  readonly byId = new Map<string, FakeMessage>();
  readonly interactions = new Map<string, InteractionState>();
  private readonly listeners = new Set<(m: FakeMessage) => void>();

  constructor(readonly bot: FakeUser) {}

  userFor(id: string, name?: string): FakeUser {
    let u = this.users.get(id);
    if (!u) {
      u = {
        id,
        username: name ?? `user${id.slice(-4)}`,
        global_name: name ?? null,
        discriminator: "0",
        avatar: null,
        public_flags: 0,
      };
      this.users.set(id, u);
    }
    return u;
  }

  /** The DM channel between the bot and this user, made on first use (as POST /users/@me/channels does). */
  dmChannelFor(userId: string): ReturnType<typeof dmChannel> {
    const known = this.dmByUser.get(userId);
    const existing = known ? this.channels.get(known) : undefined;
    if (existing && existing.type === 1) return existing;
    const ch = dmChannel(this.snowflake(), this.userFor(userId), null);
    this.channels.set(ch.id, ch);
    this.dmByUser.set(userId, ch.id);
    return ch;
  }

  /** Messages the bot made, oldest first, with later edits applied. */
  get botMessages(): FakeMessage[] {
    return [...this.byId.values()].filter((m) => m.author.id === this.bot.id);
  }

  addMessage(m: Omit<FakeMessage, "id" | "timestamp" | "edited_timestamp"> & { id?: string }): FakeMessage {
    const full: FakeMessage = {
      ...m,
      id: m.id ?? this.snowflake(),
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
    };
    this.byId.set(full.id, full);
    const ch = this.channels.get(full.channel_id);
    if (ch) ch.last_message_id = full.id;
    this.emit(full);
    return full;
  }

  editMessage(id: string, body: Record<string, unknown>): FakeMessage | undefined {
    const m = this.byId.get(id);
    if (!m) return undefined;
    if (typeof body.content === "string") m.content = body.content;
    if (Array.isArray(body.embeds)) m.embeds = body.embeds as Record<string, unknown>[];
    if (Array.isArray(body.components)) m.components = body.components as Record<string, unknown>[];
    m.flags &= ~MESSAGE_FLAG_LOADING;
    m.edited_timestamp = new Date().toISOString();
    this.emit(m);
    return m;
  }

  deleteMessage(id: string): boolean {
    const had = this.byId.delete(id);
    return had;
  }

  /** A message the bot posts: through the channel API, an interaction reply or a follow-up. */
  botMessage(
    channelId: string,
    body: Record<string, unknown>,
    extra: Partial<Pick<FakeMessage, "interaction_metadata" | "message_reference" | "flags" | "type">> = {},
  ): FakeMessage {
    const ch = this.channels.get(channelId);
    const flags =
      (typeof body.flags === "number" ? body.flags & MESSAGE_FLAG_EPHEMERAL : 0) | (extra.flags ?? 0);
    return this.addMessage({
      channel_id: channelId,
      ...(ch && "guild_id" in ch ? { guild_id: ch.guild_id } : {}),
      author: this.bot,
      content: typeof body.content === "string" ? body.content : "",
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: Array.isArray(body.embeds) ? (body.embeds as Record<string, unknown>[]) : [],
      components: Array.isArray(body.components) ? (body.components as Record<string, unknown>[]) : [],
      pinned: false,
      type: extra.type ?? 0,
      ...(extra.message_reference ? { message_reference: extra.message_reference } : {}),
      ...(extra.interaction_metadata ? { interaction_metadata: extra.interaction_metadata } : {}),
      flags,
    });
  }

  onMessage(fn: (m: FakeMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(m: FakeMessage) {
    for (const fn of this.listeners) fn(m);
  }
}

/** Discord's own checks on a message body (the ones a bot is likely to trip). */
export function validateMessageBody(
  body: Record<string, unknown>,
  opts: { creating: boolean },
): ApiError | undefined {
  const invalid = (path: string, message: string): ApiError => ({
    status: 400,
    code: 50035,
    message: "Invalid Form Body",
    errors: { [path]: { _errors: [{ code: "BASE_TYPE_INVALID", message }] } },
  });
  const { content, embeds, components } = body;
  if (content !== undefined && content !== null && typeof content !== "string")
    return invalid("content", "Not a string");
  if (typeof content === "string" && content.length > 2000)
    return invalid("content", "Must be 2000 or fewer in length.");
  if (embeds !== undefined && !Array.isArray(embeds)) return invalid("embeds", "Not an array");
  if (Array.isArray(embeds)) {
    if (embeds.length > 10) return invalid("embeds", "Must be 10 or fewer in length.");
    for (const e of embeds as { description?: string; title?: string }[]) {
      if ((e.description?.length ?? 0) > 4096)
        return invalid("embeds.0.description", "Must be 4096 or fewer in length.");
      if ((e.title?.length ?? 0) > 256) return invalid("embeds.0.title", "Must be 256 or fewer in length.");
    }
  }
  if (Array.isArray(components)) {
    if (components.length > 5) return invalid("components", "Must be 5 or fewer in length.");
    const ids = new Set<string>();
    for (const row of components as { type?: number; components?: unknown[] }[]) {
      if (row.type !== 1 || !Array.isArray(row.components) || row.components.length === 0) {
        return invalid("components.0", "Invalid action row");
      }
      if (row.components.length > 5)
        return invalid("components.0.components", "Must be 5 or fewer in length.");
      for (const c of row.components as { custom_id?: string; label?: string }[]) {
        if (!c.custom_id || c.custom_id.length > 100)
          return invalid("custom_id", "Must be 100 or fewer in length.");
        if (ids.has(c.custom_id)) return invalid("custom_id", "Component custom id cannot be duplicated");
        ids.add(c.custom_id);
        if ((c.label?.length ?? 0) > 80) return invalid("label", "Must be 80 or fewer in length.");
      }
    }
  }
  const empty =
    !(typeof content === "string" && content.length > 0) &&
    !(Array.isArray(embeds) && embeds.length > 0) &&
    !(Array.isArray(components) && components.length > 0);
  if (opts.creating && empty) return { status: 400, code: 50006, message: "Cannot send an empty message" };
  return undefined;
}
