import { createDiscordAdapter } from "../../adapters/discord/index.ts";
import { createEmailAdapter } from "../../adapters/email/index.ts";
import { createTelegramAdapter } from "../../adapters/telegram/index.ts";
import { createVoiceAdapter } from "../../adapters/voice/index.ts";
import { createArtifactStore } from "../artifacts/store.ts";
import type { ChannelAdapter } from "../channels/types.ts";
import { listAgents } from "../core/agents.ts";
import { createArtifact } from "../core/artifacts.ts";
import { listProjects } from "../core/projects.ts";
import type { Sql } from "../db/sql.ts";
import type { ChannelFactoryContext } from "./hub.ts";

/**
 * The lease of the one instance that holds the Discord gateway or watches the mailbox. An
 * instance killed without releasing it is replaced within the TTL plus one standby retry (a
 * third of it): about 12 s. (Telegram's own default is the same, in its settings.)
 */
export const CHANNEL_LEASE_TTL_MS = 9_000;

/** Names worth hearing right in speech-to-text: the active projects and the agents. */
export function keyterms(sql: Sql) {
  return async (): Promise<string[]> => {
    const [projects, agents] = await Promise.all([listProjects(sql, { status: "active" }), listAgents(sql)]);
    return [...projects.map((p) => p.name), ...agents.map((a) => a.name)];
  };
}

/** Every channel that is configured, ready to start. */
export async function buildChannelAdapters(ctx: ChannelFactoryContext): Promise<ChannelAdapter[]> {
  const { config, logger, sql, infra } = ctx;
  const log = logger.child({ component: "channels" });
  const adapters: ChannelAdapter[] = [];
  const artifacts = createArtifactStore(config);

  if (config.telegram.token) {
    adapters.push(createTelegramAdapter(config, { sql, logger, keyterms: keyterms(sql) }));
  }
  if (config.discord.token && config.discord.applicationId) {
    adapters.push(createDiscordAdapter(config, { sql, logger, lease: { ttlMs: CHANNEL_LEASE_TTL_MS } }));
  } else if (config.discord.token) {
    log.warn("DISCORD_TOKEN is set without DISCORD_APPLICATION_ID: Discord stays off");
  }
  if (config.email.imapUrl || config.email.smtpUrl) {
    adapters.push(
      createEmailAdapter(config, {
        sql,
        logger,
        artifacts,
        rateLimiter: infra.rateLimiter,
        tuning: { leaseTtlMs: CHANNEL_LEASE_TTL_MS },
        createArtifact: (input, who) =>
          createArtifact(sql, input, {
            actor: { kind: "person", name: `email:${who.sender}`, channel: "email" },
          }),
      }),
    );
  }
  if (config.voice.token || config.voice.twilioAuthToken) {
    adapters.push(
      createVoiceAdapter(config, {
        sql,
        logger,
        keyterms: keyterms(sql),
        cache: infra.cache,
        rateLimiter: infra.rateLimiter,
      }),
    );
  }
  if (adapters.length === 0) {
    log.info(
      "no chat channels configured: set TELEGRAM_BOT_TOKEN, DISCORD_TOKEN, IMAP_URL/SMTP_URL or VOICE_TOKEN to add one (see README); the dashboard and `npm run chat` work without them",
    );
  } else log.info({ channels: adapters.map((a) => a.name) }, "channels configured");
  return adapters;
}
