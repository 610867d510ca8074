import type { Config } from "../../src/config.ts";
import type { Sql } from "../../src/db/sql.ts";
import type { Logger } from "../../src/logger.ts";
import type { Transcriber } from "../../src/speech/types.ts";
import { TELEGRAM_DOWNLOAD_LIMIT } from "./file-download.ts";

/** The settings the adapter reads (TELEGRAM_*, DEEPGRAM_*, INSTANCE_ID). */
export type TelegramAdapterConfig = Pick<Config, "telegram" | "deepgram" | "instanceId">;

/** Timings and limits; the defaults suit production, tests shorten them. */
export interface TelegramTuning {
  /** getUpdates long-poll timeout */
  pollTimeoutSeconds: number;
  /** the polling lease (`telegram:<bot id>`): how long it lives unrenewed, how often it is renewed */
  leaseTtlMs: number;
  leaseRenewMs: number;
  /** after a 409 Conflict from getUpdates: exponential backoff from base to max */
  conflictBackoffBaseMs: number;
  conflictBackoffMaxMs: number;
  /** after any other getUpdates failure */
  errorBackoffBaseMs: number;
  errorBackoffMaxMs: number;
  /** retries of a reply that failed to send (network, 5xx) */
  sendRetryBaseMs: number;
  sendRetryMaxMs: number;
  /** attempts per reply message in webhook mode and for send(); polling retries until stopped */
  sendAttempts: number;
  /** outbound pacing (see outbound-limiter.ts) */
  perChatIntervalMs: number;
  globalPerSecond: number;
  maxRetryAfterSeconds: number;
  max429Retries: number;
  maxVoiceBytes: number;
  downloadTimeoutMs: number;
  /** stop() waits this long for the update in hand before cutting it */
  drainTimeoutMs: number;
}

export const DEFAULT_TUNING: TelegramTuning = {
  pollTimeoutSeconds: 30,
  // A holder killed without releasing is replaced within TTL + one standby retry (renewMs): ~12 s.
  leaseTtlMs: 9_000,
  leaseRenewMs: 3_000,
  conflictBackoffBaseMs: 1_000,
  conflictBackoffMaxMs: 60_000,
  errorBackoffBaseMs: 500,
  errorBackoffMaxMs: 30_000,
  sendRetryBaseMs: 500,
  sendRetryMaxMs: 30_000,
  sendAttempts: 5,
  perChatIntervalMs: 1_000,
  globalPerSecond: 30,
  maxRetryAfterSeconds: 120,
  max429Retries: 10,
  maxVoiceBytes: TELEGRAM_DOWNLOAD_LIMIT,
  downloadTimeoutMs: 30_000,
  drainTimeoutMs: 10_000,
};

export interface TelegramAdapterDeps {
  sql: Sql;
  /** the adapter logs through a child of it ({channel: "telegram"}) */
  logger: Logger;
  /** speech-to-text for voice notes; default: Deepgram when DEEPGRAM_API_KEY is set, else none */
  transcriber?: Transcriber;
  /** current project and agent names, passed to speech-to-text as key terms */
  keyterms?: () => Promise<string[]>;
  tuning?: Partial<TelegramTuning>;
  now?: () => Date;
}
