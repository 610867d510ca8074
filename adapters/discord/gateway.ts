import {
  type APIInteraction,
  Client,
  Events,
  GatewayDispatchEvents,
  GatewayIntentBits,
  type GatewayMessageCreateDispatchData,
  type GatewayReadyDispatchData,
  Options,
  Partials,
} from "discord.js";
import type { Logger } from "../../src/logger.ts";

/** Guilds (channels), guild and DM messages, and message text (a privileged intent to enable in the portal). */
export const GATEWAY_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.DirectMessages,
  GatewayIntentBits.MessageContent,
];

export interface GatewayHandlers {
  onReady(d: GatewayReadyDispatchData): void;
  onMessage(d: GatewayMessageCreateDispatchData): void;
  onInteraction(d: APIInteraction): void;
}

export interface GatewayOptions {
  token: string;
  /** DISCORD_API_BASE: a self-hosted proxy, or the tests' fake Discord */
  apiBase: string | undefined;
  log: Logger;
}

export interface GatewayConnection {
  /** closes the WebSocket; the session cannot be resumed after */
  close(): Promise<void>;
}

/**
 * Connects one discord.js client to the gateway (GET /gateway/bot, then HELLO → IDENTIFY → READY;
 * heartbeats, RESUME after a drop and RECONNECT are discord.js's). The raw MESSAGE_CREATE and
 * INTERACTION_CREATE payloads go to the handlers, so what the adapter parses is exactly what Discord
 * sent. JSON encoding, no zlib (zlib-sync is not installed, and discord.js then asks for none).
 */
export async function connectGateway(
  o: GatewayOptions,
  handlers: GatewayHandlers,
): Promise<GatewayConnection> {
  const client = new Client({
    intents: GATEWAY_INTENTS,
    // DM channels are not cached before their first message; without this discord.js drops DM events.
    partials: [Partials.Channel],
    ...(o.apiBase ? { rest: { api: o.apiBase } } : {}),
    // The adapter reads raw payloads; it needs no cache of messages or members.
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      GuildMemberManager: 0,
      UserManager: 0,
    }),
  });
  const log = o.log;
  client.ws.on(GatewayDispatchEvents.Ready, (d: GatewayReadyDispatchData) => handlers.onReady(d));
  client.ws.on(GatewayDispatchEvents.MessageCreate, (d: GatewayMessageCreateDispatchData) =>
    handlers.onMessage(d),
  );
  client.ws.on(GatewayDispatchEvents.InteractionCreate, (d: APIInteraction) => handlers.onInteraction(d));
  client.on(Events.ShardDisconnect, (e, shard) => log.warn({ shard, code: e.code }, "gateway disconnected"));
  client.on(Events.ShardReconnecting, (shard) => log.info({ shard }, "gateway reconnecting"));
  client.on(Events.ShardResume, (shard, replayed) =>
    log.info({ shard, replayed }, "gateway session resumed"),
  );
  client.on(Events.ShardError, (err, shard) => log.warn({ shard, error: err.message }, "gateway error"));
  client.on(Events.Warn, (message) => log.warn({ message }, "discord.js warning"));
  client.on(Events.Error, (err) => log.error({ error: err.message }, "discord.js error"));

  try {
    await client.login(o.token);
  } catch (e) {
    await client.destroy().catch(() => {});
    throw e;
  }
  log.info({ user: client.user?.tag }, "connected to the Discord gateway");

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= client.destroy().catch((e: unknown) => {
        log.warn({ error: e instanceof Error ? e.message : String(e) }, "closing the gateway failed");
      });
      return closing;
    },
  };
}
