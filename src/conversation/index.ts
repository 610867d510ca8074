/** The conversation layer: what every channel's message goes through. */
export { createDispatcher, type DispatcherDeps } from "./dispatcher.ts";
export {
  identityOf,
  isConfiguredOwner,
  listIdentities,
  type PairedIdentity,
  revokeIdentity,
} from "./identities.ts";
export { createPairingCode, PAIRING_TTL_MS, type PairingCode } from "./pairing.ts";
export { createRulesParser, type Parser } from "./parser.ts";
export { getPreferences, type NotifyLevel, type Preferences } from "./preferences.ts";
export { pruneProcessedMessages } from "./processed.ts";
