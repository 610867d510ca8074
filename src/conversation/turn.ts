import type { Utterance } from "../channels/types.ts";
import type { CoreSettings, OpOptions } from "../core/types.ts";
import type { Fmt } from "../cos/task-replies.ts";
import type { Sql } from "../db/sql.ts";
import type { Logger } from "../logger.ts";
import type { OwnerConfig } from "./identities.ts";
import type { ConversationState } from "./state.ts";

/** Everything one handled message needs; `tx` is the transaction the whole turn runs in. */
export interface Turn {
  tx: Sql;
  u: Utterance;
  identity: string;
  op: OpOptions;
  state: ConversationState;
  fmt: Fmt;
  settings: CoreSettings;
  owner: OwnerConfig;
  logger: Logger;
  questionTtlMs: number;
  /** below this, a voice transcript is read back before anything changes */
  minTranscriptConfidence: number;
  /** From can be forged: with EMAIL_REQUIRE_CONFIRM every change by email is asked back first */
  confirmEveryChange?: boolean;
}

/** Checks already agreed to by the person for the intent being run. */
export type Agreed = ReadonlySet<"heard" | "destructive" | "asked">;

export type Slots = Record<string, unknown>;

export const str = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim().length > 0 ? v.trim() : undefined;

/**
 * Runs fn so that, if it fails, its writes are rolled back but the enclosing transaction goes
 * on: Postgres aborts a whole transaction on an error, and the turn still has to record the
 * message as handled and answer.
 */
export async function withSavepoint<T>(tx: Sql, fn: () => Promise<T>): Promise<T> {
  await tx.query("SAVEPOINT turn_op");
  try {
    const out = await fn();
    await tx.query("RELEASE SAVEPOINT turn_op");
    return out;
  } catch (e) {
    await tx.query("ROLLBACK TO SAVEPOINT turn_op");
    throw e;
  }
}

export const expiresAt = (t: Turn) => new Date(t.fmt.now.getTime() + t.questionTtlMs).toISOString();
