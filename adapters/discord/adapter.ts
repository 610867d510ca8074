import { type APIInteraction, type GatewayMessageCreateDispatchData, REST } from "discord.js";
import pino from "pino";
import type {
  AdapterContext,
  ChannelAdapter,
  Dispatcher,
  OutboundMessage,
} from "../../src/channels/types.ts";
import type { Config } from "../../src/config.ts";
import type { Sql } from "../../src/db/sql.ts";
import { HubError } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import { createDiscordRest, describeError, toHubError } from "./discord-rest.ts";
import { formatMessage } from "./format-reply.ts";
import { connectGateway, type GatewayConnection } from "./gateway.ts";
import { answerInteraction, answerNotice } from "./interaction-responder.ts";
import { createKeyedQueue } from "./keyed-queue.ts";
import { type LeaseKeeper, startLeaseKeeper } from "./lease-keeper.ts";
import { answerMessage } from "./message-responder.ts";
import { parseInteractionCreate } from "./parse-interaction.ts";
import { type InboundContext, parseMessageCreate } from "./parse-message.ts";
import { createRecentIds } from "./recent-ids.ts";
import { registerCommands } from "./register-commands.ts";

export type DiscordAdapterConfig = Pick<Config, "discord" | "instanceId">;

export interface DiscordAdapterDeps {
  /** where the gateway lease `discord:<application id>` lives: one hub instance holds the gateway */
  sql: Sql;
  /** for send() before start(); start() logs through a child of the context's logger */
  logger?: Logger;
  lease?: {
    /** default 30 s */
    ttlMs?: number;
    /** default ttlMs / 3 */
    renewMs?: number;
    /** how often an instance without the lease tries to take it; default ttlMs / 3 */
    retryMs?: number;
  };
  /** answer an interaction with a deferral when the dispatcher takes longer than this; default 1500 ms */
  deferAfterMs?: number;
  /** register the slash commands when taking the gateway; default true */
  registerCommands?: boolean;
  now?: () => Date;
}

/** A conversation "user:<id>" is the DM with that Discord user (opened on first use). */
export const USER_CONVERSATION_PREFIX = "user:";

export function createDiscordAdapter(config: DiscordAdapterConfig, deps: DiscordAdapterDeps): ChannelAdapter {
  const { token, applicationId, apiBase, guildId, channelIds } = config.discord;
  if (!token || !applicationId) {
    throw new HubError(
      "config_invalid",
      "The Discord adapter needs DISCORD_TOKEN and DISCORD_APPLICATION_ID (see adapters/discord/README.md)",
    );
  }
  const ttlMs = deps.lease?.ttlMs ?? 30_000;
  const renewMs = deps.lease?.renewMs ?? Math.floor(ttlMs / 3);
  const retryMs = deps.lease?.retryMs ?? Math.floor(ttlMs / 3);
  const deferAfterMs = deps.deferAfterMs ?? 1_500;
  const now = deps.now ?? (() => new Date());

  // One REST instance for every call the adapter makes: its queue keeps to Discord's rate limits.
  const rest = createDiscordRest(new REST(apiBase ? { api: apiBase } : {}).setToken(token));
  const enqueue = createKeyedQueue();
  const recent = createRecentIds();
  const inflight = new Set<Promise<unknown>>();
  const dmChannels = new Map<string, string>();
  let log: Logger = (deps.logger ?? pino({ level: "silent" })).child({ channel: "discord" });
  let dispatcher: Dispatcher | undefined;
  let keeper: LeaseKeeper | undefined;
  let gateway: GatewayConnection | undefined;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  const inbound: InboundContext = { botUserId: undefined, channelIds, now };

  const track = (p: Promise<unknown>) => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  function onMessage(d: GatewayMessageCreateDispatchData): void {
    if (stopping || !dispatcher) return;
    const parsed = parseMessageCreate(d, inbound);
    if (!parsed.ok) {
      log.trace({ messageId: d.id, reason: parsed.reason }, "message ignored");
      return;
    }
    const u = parsed.utterance;
    if (!recent.firstTime(u.messageId)) {
      log.debug({ messageId: u.messageId }, "message delivered again by the gateway; already handled");
      return;
    }
    const handler = dispatcher;
    log.debug({ messageId: u.messageId, sender: u.sender, conversation: u.conversation }, "message received");
    track(
      enqueue(u.conversation, () =>
        answerMessage({ rest, log, dispatcher: handler, deferAfterMs }, u, { inGuild: parsed.inGuild }),
      ),
    );
  }

  function onInteraction(d: APIInteraction): void {
    if (stopping || !dispatcher) return;
    if (!recent.firstTime(`interaction:${d.id}`)) {
      log.debug({ interaction: d.id }, "interaction delivered again by the gateway; already handled");
      return;
    }
    const parsed = parseInteractionCreate(d, inbound);
    const responder = { rest, log, deferAfterMs };
    if (!parsed.ok) {
      log.debug({ interaction: d.id, reason: parsed.reason }, "interaction not handled");
      if (parsed.ref && parsed.notice) track(answerNotice(responder, parsed.ref, parsed.notice));
      return;
    }
    const { ref, utterance: u } = parsed;
    const handler = dispatcher;
    log.debug(
      { interaction: ref.id, kind: ref.kind, sender: u.sender, intent: u.preset?.intent },
      "interaction",
    );
    // The deferral clock starts now, even while an earlier message of the conversation is handled.
    track(answerInteraction(responder, ref, () => enqueue(u.conversation, () => handler.handle(u))));
  }

  async function takeGateway(): Promise<void> {
    if (deps.registerCommands !== false) {
      try {
        const r = await registerCommands(rest, applicationId as string, guildId);
        log.info({ scope: guildId ? "guild" : "global", commands: r.count }, "slash commands registered");
      } catch (e) {
        log.warn(describeError(e), "could not register slash commands");
      }
    }
    gateway = await connectGateway(
      { token: token as string, apiBase, log },
      {
        onReady: (d) => {
          inbound.botUserId = d.user.id;
        },
        onMessage,
        onInteraction,
      },
    );
  }

  async function dropGateway(): Promise<void> {
    const g = gateway;
    gateway = undefined;
    await g?.close();
  }

  async function channelFor(conversation: string): Promise<string> {
    if (!conversation.startsWith(USER_CONVERSATION_PREFIX)) return conversation;
    const userId = conversation.slice(USER_CONVERSATION_PREFIX.length);
    const known = dmChannels.get(userId);
    if (known) return known;
    try {
      const dm = await rest.createDm(userId);
      dmChannels.set(userId, dm.id);
      return dm.id;
    } catch (e) {
      throw toHubError(e, "open a direct message");
    }
  }

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await starting?.catch(() => {});
      await keeper?.stop();
      await Promise.allSettled([...inflight]);
      log.info("discord adapter stopped");
    })();
    return stopping;
  };

  return {
    name: "discord",

    start(ctx: AdapterContext): Promise<void> {
      starting ??= (async () => {
        if (stopping) return;
        log = ctx.logger.child({ channel: "discord" });
        dispatcher = ctx.dispatcher;
        ctx.signal.addEventListener("abort", () => void stop(), { once: true });
        keeper = startLeaseKeeper({
          sql: deps.sql,
          name: `discord:${applicationId}`,
          holder: config.instanceId,
          ttlMs,
          renewMs,
          retryMs,
          log,
          onAcquired: takeGateway,
          onLost: dropGateway,
        });
        // start() returns once this instance knows whether it holds the gateway (and is connected if so).
        await keeper.firstCheck;
      })();
      return starting;
    },

    stop,

    async send(conversation: string, message: OutboundMessage): Promise<void> {
      const channelId = await channelFor(conversation);
      for (const body of formatMessage(message)) {
        try {
          await rest.postMessage(channelId, body);
        } catch (e) {
          throw toHubError(e, "post a message");
        }
      }
    },
  };
}
