import type { ParseResult } from "../../intents/types.ts";
import type { Dispatcher, Reply, Utterance } from "../channels/types.ts";
import type { Config } from "../config.ts";
import type { CoreSettings } from "../core/types.ts";
import { failed, internalError, nothingToDo, paired, refusal, tooLong } from "../cos/meta-replies.ts";
import { silentReply } from "../cos/reply.ts";
import type { Sql } from "../db/sql.ts";
import { isHubError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { converse } from "./converse.ts";
import { inTaskThread, threadIntent } from "./email-thread.ts";
import { findPairedIdentity, identityOf, isConfiguredOwner } from "./identities.ts";
import { isLoginCommand, loginReply } from "./login.ts";
import { redeemPairingCode } from "./pairing.ts";
import type { Parser } from "./parser.ts";
import { noteConversation } from "./preferences.ts";
import { claimMessage, handledMessage, markDelivered, recordOutcome } from "./processed.ts";
import { shouldRefuse } from "./refusals.ts";
import { type ConversationState, loadStateForUpdate, saveState } from "./state.ts";
import { type Turn, withSavepoint } from "./turn.ts";

export interface DispatcherDeps {
  sql: Sql;
  parser: Parser;
  logger: Logger;
  /** the hub's Config fits: owners per channel, time zone, core settings, the voice threshold */
  config: Pick<Config, "owner" | "timeZone" | "leaseSeconds" | "maxAttempts" | "agentOfflineSeconds"> & {
    voice: Pick<Config["voice"], "minConfidence">;
    /** EMAIL_REQUIRE_CONFIRM: every change asked by email is confirmed on its thread first */
    email?: Pick<Config["email"], "requireConfirm">;
  };
  /** the clock, for tests */
  now?: () => Date;
  /** how long a yes/no or which-one question stays open (10 minutes) */
  questionTtlMs?: number;
  /** a stranger hears the refusal at most once per this (an hour) */
  refusalIntervalMs?: number;
  /** longer messages are refused before parsing (10,000 characters) */
  maxTextChars?: number;
  /** where the dashboard is, for `/login` links: PUBLIC_URL, or where the hub listens */
  dashboardUrl?: () => string | undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;
const QUESTION_TTL_MS = 10 * 60 * 1000;
const MAX_TEXT_CHARS = 10_000;

/**
 * The one path every channel's message takes: dedupe, identify, parse, resolve, confirm, run,
 * reply. The operation, the conversation's state and the "handled" mark commit together.
 */
export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { sql, parser, config } = deps;
  const log = deps.logger.child({ component: "dispatcher" });
  const clock = deps.now ?? (() => new Date());
  const settings: CoreSettings = {
    leaseSeconds: config.leaseSeconds,
    maxAttempts: config.maxAttempts,
    agentOfflineSeconds: config.agentOfflineSeconds,
  };
  const maxChars = deps.maxTextChars ?? MAX_TEXT_CHARS;

  async function parse(u: Utterance, now: Date): Promise<ParseResult> {
    if (u.preset) return { intent: u.preset.intent, slots: u.preset.slots, confidence: 1 } as ParseResult;
    try {
      // In a task's email thread the text is a reply, not a subject: parse it as plain words.
      if (inTaskThread(u)) {
        return threadIntent(
          await parser.parse(u.text, { channel: "terminal", now, timeZone: config.timeZone }),
          u,
        );
      }
      return await parser.parse(u.text, { channel: u.channel, now, timeZone: config.timeZone });
    } catch (e) {
      log.warn(
        { err: (e as Error).message, channel: u.channel },
        "parser failed; treating as not understood",
      );
      return { intent: "unknown", slots: {}, confidence: 0 };
    }
  }

  /** A sign-in link: handled once, and the reply (it holds the code) is never stored. */
  async function login(u: Utterance): Promise<Reply> {
    return sql.transaction(async (tx) => {
      if (!(await claimMessage(tx, u.channel, u.messageId))) return silentReply("duplicate");
      const reply = await loginReply(tx, u, deps.dashboardUrl?.());
      await recordOutcome(tx, u.channel, u.messageId, reply, false);
      return reply;
    });
  }

  /** Strangers: a pairing code links them; otherwise one polite refusal per hour, and nothing else. */
  async function stranger(u: Utterance, identity: string): Promise<Reply> {
    const linked = await sql.transaction(async (tx) => {
      const p = await redeemPairingCode(tx, u.text, identity);
      if (p) await claimMessage(tx, u.channel, u.messageId);
      return p;
    });
    if (linked) {
      log.info({ identity }, "identity paired with the owner");
      return paired(identity);
    }
    log.info({ identity, channel: u.channel }, "message from an unknown sender refused");
    return (await shouldRefuse(sql, identity, deps.refusalIntervalMs)) ? refusal() : silentReply("unknown");
  }

  /** Input with nothing to act on gets a reply that says so, and leaves the conversation as it was. */
  function unusable(u: Utterance): Reply | undefined {
    if (u.preset) return undefined;
    if (u.text.length > maxChars) return tooLong(maxChars);
    if (!/[\p{L}\p{N}]/u.test(u.text)) return nothingToDo();
    return undefined;
  }

  async function turn(u: Utterance, identity: string, parsed: ParseResult, now: Date): Promise<Reply> {
    return sql.transaction(async (tx) => {
      if (!(await claimMessage(tx, u.channel, u.messageId))) return silentReply("duplicate");
      const early = unusable(u);
      if (early) return early;
      const state = await loadStateForUpdate(tx, u.channel, u.conversation);
      const before: ConversationState = structuredClone(state);
      const t: Turn = {
        tx,
        u,
        identity,
        op: { actor: { kind: "person", name: identity, channel: u.channel }, now },
        state,
        fmt: { now, timeZone: config.timeZone },
        settings,
        owner: config.owner,
        logger: log,
        questionTtlMs: deps.questionTtlMs ?? QUESTION_TTL_MS,
        minTranscriptConfidence: config.voice.minConfidence,
        confirmEveryChange: u.channel === "email" && config.email?.requireConfirm === true,
      };
      let reply: Reply;
      try {
        reply = await withSavepoint(tx, () => converse(t, parsed, u.text));
      } catch (e) {
        if (!isHubError(e) || e.code === "internal" || e.code === "unavailable") throw e;
        // A refusal from the core (not found, conflict, a lease held by an agent): its message is
        // written for a person. The state goes back to before the turn, less any answered question.
        reply = failed(parsed.intent, e.message);
        Object.assign(state, before, { pending: parsed.intent === "confirm" ? null : before.pending });
      }
      await saveState(tx, state);
      await recordOutcome(tx, u.channel, u.messageId, reply, u.confirmsDelivery === true);
      await noteConversation(tx, u.channel, u.conversation);
      return reply;
    });
  }

  return {
    async delivered(u) {
      await markDelivered(sql, u.channel, String(u.messageId).replaceAll("\u0000", "").slice(0, 500));
    },
    async handle(u: Utterance): Promise<Reply> {
      const now = clock();
      const identity = identityOf(u);
      try {
        u = { ...u, messageId: String(u.messageId).replaceAll("\u0000", "").slice(0, 500) };
        const handled = await handledMessage(sql, u.channel, u.messageId);
        if (handled) {
          // Acted on before; if its answer never went out (a crash in between), answer again.
          if (u.confirmsDelivery && handled.reply && !handled.delivered) return handled.reply;
          return silentReply("duplicate");
        }
        const owner =
          u.verifiedOwner === true ||
          isConfiguredOwner(identity, u.channel, config.owner) ||
          (await findPairedIdentity(sql, identity)) !== undefined;
        if (!owner) return await stranger(u, identity);

        // NUL cannot be stored in a Postgres text column, and terminal colour codes are not words.
        const clean: Utterance = {
          ...u,
          text: typeof u.text === "string" ? u.text.replace(ANSI, "").replaceAll("\u0000", "") : "",
          ...(typeof u.body === "string" ? { body: u.body.replaceAll("\u0000", "") } : {}),
        };
        if (isLoginCommand(clean.text)) return await login(clean);
        const parsed: ParseResult = unusable(clean)
          ? { intent: "unknown", slots: {}, confidence: 0 }
          : await parse(clean, now);
        return await turn(clean, identity, parsed, now);
      } catch (e) {
        log.error(
          { err: e instanceof Error ? e.message : String(e), channel: u.channel },
          "could not handle a message",
        );
        return internalError("unknown");
      }
    },
  };
}
