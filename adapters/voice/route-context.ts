import type { FastifyRequest } from "fastify";
import type { Utterance } from "../../src/channels/types.ts";
import type { Sql } from "../../src/db/sql.ts";
import type { Logger } from "../../src/logger.ts";
import type { Transcriber } from "../../src/speech/types.ts";
import type { VoiceAdapterConfig, VoiceTuning } from "./settings.ts";
import type { TurnRunner } from "./turn-runner.ts";

/** What the voice routes share; built once by the adapter. */
export interface VoiceRouteContext {
  config: VoiceAdapterConfig;
  tuning: VoiceTuning;
  sql: Sql;
  log: Logger;
  now: () => Date;
  runner: TurnRunner;
  /** true once start() gave the adapter a dispatcher, false after stop() */
  running: () => boolean;
  transcriber: Transcriber | undefined;
  keyterms: () => Promise<string[]>;
  /** onRequest hook: VOICE_TOKEN or 503/401 */
  requireToken: (req: FastifyRequest) => Promise<void>;
}

/**
 * Who speaks on a token-authenticated request. The token proves the voice stack is the owner's;
 * when the platform also names the caller's phone (a Vapi phone call), that number is the
 * sender and the dispatcher decides as for any phone: the stack's phone number is public.
 */
export function tokenSpeaker(
  config: VoiceAdapterConfig,
  callerNumber: string | undefined,
): Pick<Utterance, "sender" | "verifiedOwner"> {
  if (callerNumber) return { sender: callerNumber };
  return { sender: config.owner.phones[0] ?? "owner", verifiedOwner: true };
}
