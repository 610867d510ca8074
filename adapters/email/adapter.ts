import pino from "pino";
import { createLocalArtifactStore } from "../../src/artifacts/local-store.ts";
import type { ArtifactStore } from "../../src/artifacts/store.ts";
import type { AdapterContext, ChannelAdapter, OutboundMessage } from "../../src/channels/types.ts";
import type { Sql } from "../../src/db/sql.ts";
import type { Logger } from "../../src/logger.ts";
import { createDigester, type Digester } from "./digest.ts";
import { handleMessage, type LinkArtifact } from "./handle-message.ts";
import { type WatcherTuning, watchMailbox } from "./mailbox-watcher.ts";
import { createSmtpMailer, type Mailer } from "./mailer.ts";
import { deliverNotifications } from "./notify.ts";
import { createMemoryReplyLimiter, type ReplyRateLimiter } from "./rate-limit.ts";
import { type EmailConfig, resolveEmailSettings } from "./settings.ts";

export interface EmailAdapterDeps {
  sql: Sql;
  /** links a stored attachment to its task: the hub binds core createArtifact(sql, input, {actor}) */
  createArtifact: LinkArtifact;
  /** where attachment bytes go; default: files under DATA_DIR/artifacts/<sha256> */
  artifacts?: ArtifactStore;
  /** who is told that their message could not be read; default: an OWNER_EMAILS address */
  isAuthorized?: (address: string) => boolean | Promise<boolean>;
  /** replies per sender; default in-process (src/infra's RateLimiter fits) */
  rateLimiter?: ReplyRateLimiter;
  /** sends mail; default nodemailer over SMTP_URL */
  mailer?: Mailer;
  /** used by send() before start(); start() uses the context's logger */
  logger?: Logger;
  now?: () => Date;
  tuning?: Partial<EmailTuning>;
}

export interface EmailTuning extends WatcherTuning {
  /** notifications to one conversation within this window go out as one mail */
  digestWindowMs: number;
  /** at most `limit` replies per sender per `windowMs` */
  replyLimit: { limit: number; windowMs: number };
}

export const DEFAULT_EMAIL_TUNING: EmailTuning = {
  leaseTtlMs: 60_000,
  reconnectMinMs: 1_000,
  reconnectMaxMs: 60_000,
  idleDelayMs: 1_000,
  maxAttempts: 3,
  digestWindowMs: 2_000,
  replyLimit: { limit: 10, windowMs: 10 * 60_000 },
};

/** The email channel: a mail drop watched over IMAP, threaded answers over SMTP. */
export function createEmailAdapter(config: EmailConfig, deps: EmailAdapterDeps): ChannelAdapter {
  const settings = resolveEmailSettings(config);
  const tuning: EmailTuning = { ...DEFAULT_EMAIL_TUNING, ...deps.tuning };
  const artifacts = deps.artifacts ?? createLocalArtifactStore(`${settings.dataDir}/artifacts`);
  const limiter = deps.rateLimiter ?? createMemoryReplyLimiter();
  const owners = new Set(settings.ownerEmails);
  const isAuthorized = deps.isAuthorized ?? ((a: string) => owners.has(a.toLowerCase()));
  const now = deps.now ?? (() => new Date());
  let mailer: Mailer | undefined = deps.mailer;
  const getMailer = () => {
    mailer ??= createSmtpMailer(settings.smtpUrl);
    return mailer;
  };
  let logger: Logger = (deps.logger ?? pino({ level: "silent" })).child({ channel: "email" });
  let digester: Digester | undefined;
  const getDigester = () => {
    digester ??= createDigester(tuning.digestWindowMs, (conversation, messages) =>
      deliverNotifications({ sql: deps.sql, settings, mailer: getMailer() }, conversation, messages),
    );
    return digester;
  };

  let running: { controller: AbortController; loop: Promise<void>; unlink: () => void } | undefined;
  let stopping: Promise<void> | undefined;

  return {
    name: "email",

    async start(ctx: AdapterContext) {
      if (running) return;
      if (stopping) await stopping;
      logger = ctx.logger.child({ channel: "email", mailbox: settings.imap.label });
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      ctx.signal.addEventListener("abort", onAbort);
      if (ctx.signal.aborted) controller.abort();
      const loop = watchMailbox({
        settings,
        sql: deps.sql,
        logger,
        signal: controller.signal,
        tuning,
        handle: (raw) =>
          handleMessage(raw, {
            settings,
            sql: deps.sql,
            dispatcher: ctx.dispatcher,
            mailer: getMailer(),
            artifacts,
            createArtifact: deps.createArtifact,
            isAuthorized,
            limiter,
            replyLimit: tuning.replyLimit,
            logger,
            now,
          }),
      }).catch((e: unknown) => logger.error({ err: e }, "email watcher stopped on an error"));
      running = { controller, loop, unlink: () => ctx.signal.removeEventListener("abort", onAbort) };
    },

    stop() {
      stopping ??= (async () => {
        const r = running;
        running = undefined;
        if (r) {
          r.controller.abort();
          await r.loop;
          r.unlink();
        }
        await digester?.flush();
        mailer?.close();
        if (!deps.mailer) mailer = undefined;
      })().finally(() => {
        stopping = undefined;
      });
      return stopping;
    },

    send(conversation: string, message: OutboundMessage) {
      return getDigester().add(conversation, message);
    },
  };
}
