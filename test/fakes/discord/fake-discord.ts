import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { GatewayServer } from "./gateway-server.ts";
import {
  type FakeMessage,
  type FakeUser,
  guildCreate,
  member,
  ready,
  textChannel,
  user,
} from "./payloads.ts";
import {
  type CommandRegistration,
  type ForcedFailure,
  handleRest,
  type InteractionCallback,
  type RecordedRequest,
  type RestContext,
} from "./rest-routes.ts";
import { interactionToken } from "./snowflake.ts";
import { DiscordStore } from "./store.ts";

export interface FakeDiscordOptions {
  token?: string;
  applicationId?: string;
  botUserId?: string;
  guildId?: string;
  /** text channels of the guild */
  guildChannelIds?: string[];
  /** HELLO's heartbeat interval; discord.js sends its first beat at a random point within it */
  heartbeatIntervalMs?: number;
}

export interface SlashOption {
  name: string;
  /** 3 string, 4 integer, 5 boolean */
  type?: number;
  value: string | number | boolean;
}

export interface SentInteraction {
  id: string;
  token: string;
}

/**
 * A protocol-level Discord for tests: the REST API under /api/v10 and a gateway WebSocket, both on
 * one loopback port. A discord.js client pointed at `apiBase` (the `rest: { api }` option) finds the
 * gateway through GET /gateway/bot and goes through HELLO → IDENTIFY → READY like against Discord.
 */
export class FakeDiscord {
  readonly token: string;
  readonly applicationId: string;
  readonly guildId: string;
  readonly guildChannelIds: string[];
  readonly bot: FakeUser;
  readonly store: DiscordStore;
  readonly gateway: GatewayServer;
  readonly requests: RecordedRequest[] = [];
  readonly interactionCallbacks: InteractionCallback[] = [];
  readonly commandRegistrations: CommandRegistration[] = [];
  readonly typing: string[] = [];
  private readonly failures: ForcedFailure[] = [];
  private readonly server: Server;
  private port = 0;

  private constructor(o: FakeDiscordOptions) {
    this.token = o.token ?? "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gfake0.fake-token-for-tests-only_xxxxxxxxxxxxxx";
    this.applicationId = o.applicationId ?? "1234567890123456789";
    this.guildId = o.guildId ?? "1100000000000000001";
    this.guildChannelIds = o.guildChannelIds ?? ["1100000000000000101", "1100000000000000102"];
    this.bot = user(o.botUserId ?? this.applicationId, "AgentOps", { bot: true });
    this.store = new DiscordStore(this.bot);
    this.store.users.set(this.bot.id, this.bot);
    const channels = this.guildChannelIds.map((id, i) => textChannel(id, this.guildId, `agents-${i + 1}`, i));
    for (const ch of channels) this.store.channels.set(ch.id, ch);
    const joinedAt = new Date().toISOString();
    this.gateway = new GatewayServer({
      token: this.token,
      heartbeatIntervalMs: o.heartbeatIntervalMs ?? 41_250,
      onIdentify: (s) => [
        {
          t: "READY",
          d: ready({
            bot: this.bot,
            guildIds: [this.guildId],
            sessionId: s.id,
            resumeUrl: `ws://127.0.0.1:${this.port}/gateway-resume`,
            applicationId: this.applicationId,
          }),
        },
        {
          t: "GUILD_CREATE",
          d: guildCreate(this.guildId, "1100000000000000999", channels, this.bot, joinedAt),
        },
      ],
    });
    const rest: RestContext = {
      store: this.store,
      token: this.token,
      applicationId: this.applicationId,
      gatewayUrl: () => `ws://127.0.0.1:${this.port}/gateway`,
      requests: this.requests,
      interactionCallbacks: this.interactionCallbacks,
      commandRegistrations: this.commandRegistrations,
      typing: this.typing,
      failures: this.failures,
    };
    this.server = createServer((req, res) => {
      handleRest(rest, req, res).catch((e: unknown) => {
        res.writeHead(500).end(String(e));
      });
    });
    this.server.on("upgrade", (req, socket, head) => {
      const path = new URL(req.url ?? "/", "http://fake").pathname;
      if (path === "/gateway" || path === "/gateway-resume") this.gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
  }

  static async start(o: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(o);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** DISCORD_API_BASE for the client: discord.js appends /v10. */
  get apiBase(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get identifyCount(): number {
    return this.gateway.identifyCount;
  }

  get resumeCount(): number {
    return this.gateway.resumeCount;
  }

  /** Everything the bot posted (channel messages, interaction replies, follow-ups), edits applied. */
  get messages(): FakeMessage[] {
    return this.store.botMessages;
  }

  /** The DM channel id between the bot and a user (created on first use). */
  dmChannelId(userId: string): string {
    return this.store.dmChannelFor(userId).id;
  }

  /** A person writes to the bot in a DM: MESSAGE_CREATE without guild_id. */
  dmText(userId: string, text: string, opts: { name?: string } = {}): FakeMessage {
    const author = this.store.userFor(userId, opts.name);
    const channel = this.store.dmChannelFor(userId);
    const msg = this.store.addMessage({
      channel_id: channel.id,
      author,
      content: text,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      components: [],
      pinned: false,
      type: 0,
      flags: 0,
    });
    this.gateway.dispatch("MESSAGE_CREATE", { ...msg, channel_type: 1, nonce: msg.id });
    return msg;
  }

  /** A person writes in a guild channel, mentioning the bot (`<@id>` at the start) or not. */
  channelText(
    channelId: string,
    userId: string,
    text: string,
    opts: { mentionBot?: boolean; name?: string } = {},
  ): FakeMessage {
    const author = this.store.userFor(userId, opts.name);
    const content = opts.mentionBot ? `<@${this.bot.id}> ${text}` : text;
    const msg = this.store.addMessage({
      channel_id: channelId,
      guild_id: this.guildId,
      author,
      content,
      tts: false,
      mention_everyone: false,
      mentions: opts.mentionBot ? [this.bot] : [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      components: [],
      pinned: false,
      type: 0,
      flags: 0,
    });
    this.gateway.dispatch("MESSAGE_CREATE", {
      ...msg,
      mentions: msg.mentions.map((u) => ({ ...u, member: member(undefined, new Date().toISOString()) })),
      member: member(undefined, new Date().toISOString()),
      channel_type: 0,
      nonce: msg.id,
    });
    return msg;
  }

  /** A slash command: INTERACTION_CREATE type 2, in the user's DM unless a guild channel is given. */
  slashCommand(o: {
    userId: string;
    name: string;
    options?: SlashOption[];
    channelId?: string;
  }): SentInteraction {
    const u = this.store.userFor(o.userId);
    const registered = this.commandRegistrations.flatMap((r) => r.commands).find((c) => c.name === o.name) as
      | { id?: string }
      | undefined;
    const data = {
      type: 1,
      id: registered?.id ?? this.store.snowflake(),
      name: o.name,
      ...(o.options?.length
        ? { options: o.options.map((x) => ({ type: x.type ?? 3, name: x.name, value: x.value })) }
        : {}),
    };
    return this.interaction({ type: 2, kind: "command", user: u, channelId: o.channelId, data });
  }

  /** A press on a button of a message the bot posted: INTERACTION_CREATE type 3 carrying that message. */
  pressButton(o: { userId: string; messageId: string; customId: string }): SentInteraction {
    const msg = this.store.byId.get(o.messageId);
    if (!msg) throw new Error(`fake Discord: no message ${o.messageId}`);
    const u = this.store.userFor(o.userId);
    const inGuild = msg.guild_id !== undefined;
    return this.interaction({
      type: 3,
      kind: "button",
      user: u,
      channelId: inGuild ? msg.channel_id : undefined,
      dmChannelId: inGuild ? undefined : msg.channel_id,
      data: { component_type: 2, custom_id: o.customId },
      message: msg,
    });
  }

  /** Resolves with the first bot message (new or edited) that matches. */
  waitForMessage(match: (m: FakeMessage) => boolean, timeoutMs = 10_000): Promise<FakeMessage> {
    const found = this.messages.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error("fake Discord: timed out waiting for a message"));
      }, timeoutMs);
      const off = this.store.onMessage((m) => {
        if (m.author.id !== this.bot.id || !match(m)) return;
        clearTimeout(timer);
        off();
        resolve(m);
      });
    });
  }

  /** Resolves once the gateway has a live, identified connection (after READY or RESUMED). */
  waitForConnection(timeoutMs = 10_000): Promise<void> {
    if (this.gateway.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error("fake Discord: timed out waiting for the bot to connect"));
      }, timeoutMs);
      const off = this.gateway.onChange(() => {
        if (!this.gateway.connected) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /** The MESSAGE_CREATE or INTERACTION_CREATE with this id, dispatched once more (same id, new seq). */
  redeliver(id: string): void {
    this.gateway.redeliver((d) => (d.d as { id?: string } | null)?.id === id && d.t !== "READY");
  }

  forceReconnect(how: "op7" | "drop" = "drop"): void {
    this.gateway.forceReconnect(how);
  }

  invalidateSession(resumable = false): void {
    this.gateway.invalidateSession(resumable);
  }

  /** The next request matching method and path fails: a 429 (with Retry-After) or another status. */
  failNext(f: ForcedFailure): void {
    this.failures.push(f);
  }

  async close(): Promise<void> {
    await this.gateway.close();
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private interaction(o: {
    type: 2 | 3;
    kind: "command" | "button";
    user: FakeUser;
    channelId: string | undefined;
    dmChannelId?: string | undefined;
    data: Record<string, unknown>;
    message?: FakeMessage;
  }): SentInteraction {
    const id = this.store.snowflake();
    const token = interactionToken();
    const inGuild = o.channelId !== undefined;
    const channel = inGuild
      ? this.store.channels.get(o.channelId as string)
      : this.store.channels.get(o.dmChannelId ?? this.store.dmChannelFor(o.user.id).id);
    if (!channel) throw new Error(`fake Discord: no channel ${o.channelId}`);
    this.store.interactions.set(token, {
      id,
      token,
      applicationId: this.applicationId,
      channelId: channel.id,
      guildId: inGuild ? this.guildId : undefined,
      kind: o.kind,
      user: o.user,
      sourceMessageId: o.message?.id,
      responseType: undefined,
      originalMessageId: undefined,
    });
    const who = inGuild
      ? {
          guild_id: this.guildId,
          guild: { id: this.guildId, locale: "en-US", features: [] },
          guild_locale: "en-US",
          member: { ...member(o.user, new Date().toISOString()), permissions: "2248473465835073" },
          context: 0,
          authorizing_integration_owners: { "0": this.guildId },
        }
      : { user: o.user, context: 1, authorizing_integration_owners: { "0": this.guildId } };
    this.gateway.dispatch("INTERACTION_CREATE", {
      id,
      application_id: this.applicationId,
      type: o.type,
      token,
      version: 1,
      locale: "en-US",
      app_permissions: "2248473465835073",
      entitlements: [],
      attachment_size_limit: 10_485_760,
      channel_id: channel.id,
      channel,
      data: o.data,
      ...(o.message ? { message: o.message } : {}),
      ...who,
    });
    return { id, token };
  }
}
