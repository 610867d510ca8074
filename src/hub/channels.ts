import { createDiscordAdapter } from "../../adapters/discord/index.ts";
import { createEmailAdapter } from "../../adapters/email/index.ts";
import { createTelegramAdapter } from "../../adapters/telegram/index.ts";
import { createArtifactStore } from "../artifacts/store.ts";
import type { ChannelAdapter } from "../channels/types.ts";
import { listAgents } from "../core/agents.ts";
import { createArtifact } from "../core/artifacts.ts";
import { listProjects } from "../core/projects.ts";
import type { Sql } from "../db/sql.ts";
import type { ChannelFactoryContext } from "./hub.ts";

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
    adapters.push(createDiscordAdapter(config, { sql, logger }));
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
        createArtifact: (input, who) =>
          createArtifact(sql, input, {
            actor: { kind: "person", name: `email:${who.sender}`, channel: "email" },
          }),
      }),
    );
  }
  log.info({ channels: adapters.map((a) => a.name) }, "channels configured");
  return adapters;
}
