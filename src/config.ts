import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { z } from "zod";
import { HubError } from "./errors.ts";

// The only module that reads process.env. Everything else receives a Config.

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no", "on", "off", ""])
    .optional()
    .transform((v) => (v === undefined || v === "" ? fallback : ["true", "1", "yes", "on"].includes(v)));

/** One of a few words, said back with the choices when it is none of them. */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z
    .string()
    .optional()
    .transform((v, ctx): T[number] => {
      if (v === undefined || v.trim() === "") return fallback;
      const w = v.trim().toLowerCase();
      if (!values.includes(w)) {
        ctx.addIssue({ code: "custom", message: `must be one of ${values.join(", ")}; got "${v}"` });
        return z.NEVER;
      }
      return w as T[number];
    });

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `must be a whole number from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const num = (fallback: number | undefined, min: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n < min) {
        ctx.addIssue({ code: "custom", message: `must be a number of at least ${min}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const optionalUrl = (protocols: readonly string[]) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return undefined;
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        ctx.addIssue({ code: "custom", message: "is not a valid URL" });
        return z.NEVER;
      }
      if (!protocols.includes(u.protocol)) {
        ctx.addIssue({
          code: "custom",
          message: `must start with ${protocols.map((p) => `${p}//`).join(" or ")}, got ${u.protocol}//`,
        });
        return z.NEVER;
      }
      return v.trim();
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const secret = (minLength: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return undefined;
      if (v.trim().length < minLength) {
        ctx.addIssue({ code: "custom", message: `must be at least ${minLength} characters long` });
        return z.NEVER;
      }
      return v.trim();
    });

const timeOfDay = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === "") return undefined;
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(v.trim())) {
      ctx.addIssue({ code: "custom", message: `must be a time like 08:30, got "${v}"` });
      return z.NEVER;
    }
    return v.trim();
  });

const timeZone = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const zone = v === undefined || v.trim() === "" ? "UTC" : v.trim();
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
    } catch {
      ctx.addIssue({ code: "custom", message: `is not a known time zone: "${zone}"` });
      return z.NEVER;
    }
    return zone;
  });

const schema = z.object({
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
  // auto: a readable line on a terminal, JSON otherwise (a container, a file, a log shipper)
  LOG_FORMAT: oneOf(["auto", "json", "pretty"], "auto"),
  HOST: z.string().default("127.0.0.1"),
  PORT: int(8080, 0, 65535),
  PUBLIC_URL: optionalUrl(["http:", "https:"]),
  DATA_DIR: z.string().default("./data"),
  DATABASE_URL: optionalUrl(["postgres:", "postgresql:"]),
  DATABASE_POOL_SIZE: int(20, 1, 500),
  REDIS_URL: optionalUrl(["redis:", "rediss:"]),
  REDIS_KEY_PREFIX: z.string().default("agentops:"),
  NATS_URL: optionalUrl(["nats:", "tls:"]),
  NATS_CREDS_FILE: optionalString,
  /** the content of a NATS .creds file, for platforms that inject secrets as variables */
  NATS_CREDS: optionalString,
  NATS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "may hold only letters, digits, _ and -")
    .default("AGENTOPS"),
  NATS_SUBJECT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, "must be dot-separated tokens like agentops")
    .default("agentops"),
  AGENTOPS_ADMIN_KEY: secret(16),
  INSTANCE_ID: optionalString,
  TIMEZONE: timeZone,

  LEASE_SECONDS: int(300, 5, 86_400),
  MAX_ATTEMPTS: int(3, 1, 100),
  AGENT_OFFLINE_SECONDS: int(120, 5, 86_400),
  REAPER_INTERVAL_MS: int(5_000, 100, 600_000),
  BODY_LIMIT_BYTES: int(1_048_576, 1_024, 64 * 1_048_576),
  RATE_LIMIT_PER_MINUTE: int(6_000, 1, 10_000_000),

  LLM_BASE_URL: optionalUrl(["http:", "https:"]),
  LLM_API_KEY: optionalString,
  LLM_MODEL: optionalString,
  LLM_TIMEOUT_MS: int(8_000, 100, 120_000),
  LLM_DAILY_BUDGET_USD: num(undefined, 0),

  OWNER_TELEGRAM_IDS: list,
  OWNER_DISCORD_IDS: list,
  OWNER_EMAILS: list,
  OWNER_PHONES: list,
  OWNER_NAME: optionalString,
  BRIEFING_TIME: timeOfDay,

  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_API_ROOT: optionalUrl(["http:", "https:"]),
  TELEGRAM_WEBHOOK_URL: optionalUrl(["https:", "http:"]),
  TELEGRAM_WEBHOOK_SECRET: optionalString,

  DEEPGRAM_API_KEY: optionalString,
  DEEPGRAM_BASE_URL: optionalUrl(["http:", "https:"]),

  DISCORD_TOKEN: optionalString,
  DISCORD_APPLICATION_ID: optionalString,
  DISCORD_CHANNEL_IDS: list,
  DISCORD_GUILD_ID: optionalString,
  DISCORD_API_BASE: optionalUrl(["http:", "https:"]),

  IMAP_URL: optionalUrl(["imap:", "imaps:"]),
  SMTP_URL: optionalUrl(["smtp:", "smtps:"]),
  EMAIL_FROM: optionalString,
  EMAIL_DONE_FOLDER: z.string().default("AgentOps/Done"),
  EMAIL_FAILED_FOLDER: z.string().default("AgentOps/Failed"),
  EMAIL_REQUIRE_CONFIRM: bool(false),
  EMAIL_POLL_MS: int(30_000, 100, 3_600_000),

  VOICE_TOKEN: secret(16),
  VOICE_MIN_CONFIDENCE: num(0.6, 0),
  TWILIO_AUTH_TOKEN: optionalString,

  S3_ENDPOINT: optionalUrl(["http:", "https:"]),
  S3_BUCKET: optionalString,
  S3_REGION: optionalString,
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
});

type Raw = z.infer<typeof schema>;

export interface Config {
  env: "production" | "development" | "test";
  logLevel: Raw["LOG_LEVEL"];
  logFormat: Raw["LOG_FORMAT"];
  host: string;
  port: number;
  publicUrl: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  natsUrl: string | undefined;
  natsCredsFile: string | undefined;
  natsCreds: string | undefined;
  natsStream: string;
  natsSubjectPrefix: string;
  adminKey: string | undefined;
  instanceId: string;
  timeZone: string;
  leaseSeconds: number;
  maxAttempts: number;
  agentOfflineSeconds: number;
  reaperIntervalMs: number;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  llm: {
    baseUrl: string;
    apiKey: string | undefined;
    model: string | undefined;
    timeoutMs: number;
    dailyBudgetUsd: number | undefined;
    /** True only when a key and a model are both set: rules alone otherwise. */
    enabled: boolean;
  };
  owner: {
    name: string | undefined;
    telegramIds: string[];
    discordIds: string[];
    emails: string[];
    phones: string[];
  };
  briefingTime: string | undefined;
  telegram: {
    token: string | undefined;
    apiRoot: string;
    webhookUrl: string | undefined;
    webhookSecret: string | undefined;
  };
  deepgram: { apiKey: string | undefined; baseUrl: string | undefined };
  discord: {
    token: string | undefined;
    applicationId: string | undefined;
    channelIds: string[];
    guildId: string | undefined;
    apiBase: string | undefined;
  };
  email: {
    imapUrl: string | undefined;
    smtpUrl: string | undefined;
    from: string | undefined;
    doneFolder: string;
    failedFolder: string;
    requireConfirm: boolean;
    pollMs: number;
  };
  voice: { token: string | undefined; minConfidence: number; twilioAuthToken: string | undefined };
  s3:
    | {
        endpoint: string | undefined;
        bucket: string;
        region: string;
        accessKeyId: string | undefined;
        secretAccessKey: string | undefined;
      }
    | undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads `.env` in `cwd` (values already in the environment win), validates everything,
 * and throws one HubError naming every bad setting.
 */
export function loadConfig(env: Env = process.env, opts: { cwd?: string; dotenv?: boolean } = {}): Config {
  const merged: Record<string, string | undefined> = {};
  if (opts.dotenv !== false) {
    const file = resolve(opts.cwd ?? process.cwd(), ".env");
    if (existsSync(file)) Object.assign(merged, parseDotenv(readFileSync(file)));
  }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;

  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")} ${i.message}`);
    throw new HubError("config_invalid", `Invalid configuration:\n${lines.join("\n")}`);
  }
  const r = parsed.data;
  const nodeEnv = r.NODE_ENV === "production" || r.NODE_ENV === "test" ? r.NODE_ENV : "development";
  const telegramWebhookSecret = r.TELEGRAM_WEBHOOK_SECRET;
  if (r.TELEGRAM_WEBHOOK_URL && !telegramWebhookSecret) {
    throw new HubError(
      "config_invalid",
      "Invalid configuration:\n  TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set",
    );
  }
  if (r.IMAP_URL) assertImapTls(r.IMAP_URL);

  return {
    env: nodeEnv,
    logLevel: r.LOG_LEVEL,
    logFormat: r.LOG_FORMAT,
    host: r.HOST,
    port: r.PORT,
    publicUrl: r.PUBLIC_URL,
    dataDir: r.DATA_DIR,
    databaseUrl: r.DATABASE_URL,
    databasePoolSize: r.DATABASE_POOL_SIZE,
    redisUrl: r.REDIS_URL,
    redisKeyPrefix: r.REDIS_KEY_PREFIX,
    natsUrl: r.NATS_URL,
    natsCredsFile: r.NATS_CREDS_FILE,
    natsCreds: r.NATS_CREDS,
    natsStream: r.NATS_STREAM,
    natsSubjectPrefix: r.NATS_SUBJECT_PREFIX,
    adminKey: r.AGENTOPS_ADMIN_KEY,
    // In containers every instance is pid 1: a random part keeps instance ids (lease holders) apart.
    instanceId: r.INSTANCE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
    timeZone: r.TIMEZONE,
    leaseSeconds: r.LEASE_SECONDS,
    maxAttempts: r.MAX_ATTEMPTS,
    agentOfflineSeconds: r.AGENT_OFFLINE_SECONDS,
    reaperIntervalMs: r.REAPER_INTERVAL_MS,
    bodyLimitBytes: r.BODY_LIMIT_BYTES,
    rateLimitPerMinute: r.RATE_LIMIT_PER_MINUTE,
    llm: {
      baseUrl: r.LLM_BASE_URL ?? "https://openrouter.ai/api/v1",
      apiKey: r.LLM_API_KEY,
      model: r.LLM_MODEL,
      timeoutMs: r.LLM_TIMEOUT_MS,
      dailyBudgetUsd: r.LLM_DAILY_BUDGET_USD,
      enabled: Boolean(r.LLM_API_KEY && r.LLM_MODEL),
    },
    owner: {
      name: r.OWNER_NAME,
      telegramIds: r.OWNER_TELEGRAM_IDS,
      discordIds: r.OWNER_DISCORD_IDS,
      emails: r.OWNER_EMAILS.map((e) => e.toLowerCase()),
      phones: r.OWNER_PHONES.map(normalizePhone),
    },
    briefingTime: r.BRIEFING_TIME,
    telegram: {
      token: r.TELEGRAM_BOT_TOKEN,
      apiRoot: r.TELEGRAM_API_ROOT ?? "https://api.telegram.org",
      webhookUrl: r.TELEGRAM_WEBHOOK_URL,
      webhookSecret: telegramWebhookSecret,
    },
    deepgram: { apiKey: r.DEEPGRAM_API_KEY, baseUrl: r.DEEPGRAM_BASE_URL },
    discord: {
      token: r.DISCORD_TOKEN,
      applicationId: r.DISCORD_APPLICATION_ID,
      channelIds: r.DISCORD_CHANNEL_IDS,
      guildId: r.DISCORD_GUILD_ID,
      apiBase: r.DISCORD_API_BASE,
    },
    email: {
      imapUrl: r.IMAP_URL,
      smtpUrl: r.SMTP_URL,
      from: r.EMAIL_FROM,
      doneFolder: r.EMAIL_DONE_FOLDER,
      failedFolder: r.EMAIL_FAILED_FOLDER,
      requireConfirm: r.EMAIL_REQUIRE_CONFIRM,
      pollMs: r.EMAIL_POLL_MS,
    },
    voice: {
      token: r.VOICE_TOKEN,
      minConfidence: r.VOICE_MIN_CONFIDENCE ?? 0.6,
      twilioAuthToken: r.TWILIO_AUTH_TOKEN,
    },
    s3: r.S3_BUCKET
      ? {
          endpoint: r.S3_ENDPOINT,
          bucket: r.S3_BUCKET,
          region: r.S3_REGION ?? "fr-par",
          accessKeyId: r.S3_ACCESS_KEY_ID,
          secretAccessKey: r.S3_SECRET_ACCESS_KEY,
        }
      : undefined,
  };
}

export function normalizePhone(p: string): string {
  const digits = p.replace(/[^\d+]/g, "");
  return digits.startsWith("+") ? digits : `+${digits}`;
}

function assertImapTls(url: string): void {
  const u = new URL(url);
  const loopback = ["127.0.0.1", "localhost", "[::1]", "::1"].includes(u.hostname);
  if (u.protocol === "imap:" && !loopback) {
    throw new HubError(
      "config_invalid",
      "Invalid configuration:\n  IMAP_URL uses imap:// (no TLS), which is allowed only on loopback; use imaps://",
    );
  }
}

/** The settings that name secrets: never logged, never echoed. */
export const SECRET_SETTINGS = [
  "AGENTOPS_ADMIN_KEY",
  "LLM_API_KEY",
  "TELEGRAM_BOT_TOKEN",
  "TELEGRAM_WEBHOOK_SECRET",
  "DEEPGRAM_API_KEY",
  "DISCORD_TOKEN",
  "VOICE_TOKEN",
  "TWILIO_AUTH_TOKEN",
  "S3_SECRET_ACCESS_KEY",
  "NATS_CREDS",
  "DATABASE_URL",
  "REDIS_URL",
  "IMAP_URL",
  "SMTP_URL",
] as const;

/** Every environment variable the hub reads; the Terraform test checks each is wired. */
export const CONFIG_KEYS: readonly string[] = Object.keys(schema.shape);
