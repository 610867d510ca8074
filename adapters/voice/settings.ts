import type { Config } from "../../src/config.ts";
import type { Sql } from "../../src/db/sql.ts";
import type { Cache, RateLimiter } from "../../src/infra/types.ts";
import type { Logger } from "../../src/logger.ts";
import type { Transcriber } from "../../src/speech/types.ts";

/** The settings the adapter reads: VOICE_*, TWILIO_AUTH_TOKEN, DEEPGRAM_*, PUBLIC_URL, OWNER_PHONES. */
export type VoiceAdapterConfig = Pick<Config, "voice" | "deepgram" | "publicUrl" | "bodyLimitBytes"> & {
  owner: Pick<Config["owner"], "phones">;
};

/** Limits and timings; the defaults suit production, tests and the benchmark may change them. */
export interface VoiceTuning {
  /** the largest audio body `POST /v1/voice/audio` takes (10 MB) */
  maxAudioBytes: number;
  /** a platform's retry of a turn gets the first answer again within this window (10 minutes) */
  replayTtlMs: number;
  /** sessions without an id of their own (a hash of the first messages) are this long at most (30 minutes) */
  hashedSessionMs: number;
  /** notifications kept for a session until its next turn: how many, and how long (3, 1 hour) */
  maxQueuedNotifications: number;
  notificationTtlMs: number;
  /** failed token attempts per client address per minute before 429 (30) */
  authFailuresPerMinute: number;
  /** the word budget of a spoken answer (75) */
  maxWords: number;
  /** the model id `GET /v1/models` lists (agentops-cos) */
  modelId: string;
}

export const DEFAULT_VOICE_TUNING: VoiceTuning = {
  maxAudioBytes: 10 * 1024 * 1024,
  replayTtlMs: 10 * 60_000,
  hashedSessionMs: 30 * 60_000,
  maxQueuedNotifications: 3,
  notificationTtlMs: 60 * 60_000,
  authFailuresPerMinute: 30,
  maxWords: 75,
  modelId: "agentops-cos",
};

export interface VoiceAdapterDeps {
  /** the hub's database: project and agent names for speech-to-text, paired phones for Twilio */
  sql: Sql;
  /** the adapter logs through a child of it ({channel: "voice"}) */
  logger: Logger;
  /** speech-to-text for `POST /v1/voice/audio`; default Deepgram when DEEPGRAM_API_KEY is set, else none */
  transcriber?: Transcriber;
  /** names worth hearing right; default the projects' and agents' names */
  keyterms?: () => Promise<string[]>;
  /** where answers are kept for platform retries; default in-process (pass infra.cache across instances) */
  cache?: Cache;
  /** limits failed token attempts per client address; default none (pass infra.rateLimiter) */
  rateLimiter?: RateLimiter;
  tuning?: Partial<VoiceTuning>;
  now?: () => Date;
}
