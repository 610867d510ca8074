import { Routes } from "discord.js";
import { SLASH_COMMANDS } from "./commands.ts";
import type { DiscordRest } from "./discord-rest.ts";

/**
 * Where the command set is registered: per guild when DISCORD_GUILD_ID is set (the change shows at
 * once), globally otherwise (available in every guild and in DMs).
 */
export function commandsRoute(applicationId: string, guildId: string | undefined): `/${string}` {
  return guildId
    ? Routes.applicationGuildCommands(applicationId, guildId)
    : Routes.applicationCommands(applicationId);
}

/** Replaces the application's commands with the hub's set (PUT is a bulk overwrite, so it is idempotent). */
export async function registerCommands(
  rest: DiscordRest,
  applicationId: string,
  guildId: string | undefined,
): Promise<{ route: string; count: number }> {
  const route = commandsRoute(applicationId, guildId);
  const out = await rest.putCommands(route, SLASH_COMMANDS);
  return { route, count: Array.isArray(out) ? out.length : 0 };
}
