export {
  createDiscordAdapter,
  type DiscordAdapterConfig,
  type DiscordAdapterDeps,
  USER_CONVERSATION_PREFIX,
} from "./adapter.ts";
export { commandUtterance, SLASH_COMMANDS } from "./commands.ts";
export { buttonRows } from "./components.ts";
export { type DiscordMessagePayload, formatMessage } from "./format-reply.ts";
export { GATEWAY_INTENTS } from "./gateway.ts";
export { parseInteractionCreate } from "./parse-interaction.ts";
export { parseMessageCreate } from "./parse-message.ts";
export { commandsRoute } from "./register-commands.ts";
export { DISCORD_MESSAGE_LIMIT, splitText } from "./split-text.ts";
