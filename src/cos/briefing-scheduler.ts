import { claimBriefing, getPreferences } from "../conversation/preferences.ts";
import type { Sql } from "../db/sql.ts";
import type { Logger } from "../logger.ts";
import { briefingReply, gatherBriefing } from "./briefing.ts";
import type { SendFn } from "./notifier.ts";
import { zonedParts, zonedToUtc } from "./time.ts";

/** The next time the wall clock in `timeZone` reads `time` (HH:MM), strictly after `now`. */
export function nextBriefingAt(time: string, timeZone: string, now: Date): Date {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!m) throw new Error(`briefing time must look like 08:30, got ${JSON.stringify(time)}`);
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  const today = zonedParts(now, timeZone);
  for (let add = 0; add <= 2; add++) {
    const day = new Date(Date.UTC(today.year, today.month - 1, today.day + add));
    const at = zonedToUtc(
      { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour, minute },
      timeZone,
    );
    if (at.getTime() > now.getTime()) return at;
  }
  throw new Error("no next briefing time found");
}

export interface BriefingSchedulerDeps {
  sql: Sql;
  /** BRIEFING_TIME, HH:MM in `timeZone` */
  time: string;
  timeZone: string;
  /** the notifier's send: the briefing goes where notifications go */
  send: SendFn;
  logger: Logger;
  /** aborted on shutdown */
  signal: AbortSignal;
  now?: () => Date;
}

// setTimeout holds at most ~24.8 days; a day is far below, but a clock change may ask for more.
const MAX_WAIT_MS = 2 ** 31 - 1;

function sleepUntil(at: Date, now: () => Date, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const ms = Math.min(Math.max(at.getTime() - now().getTime(), 0), MAX_WAIT_MS);
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** Sends one briefing now, covering the time since the last daily briefing (or the last day). */
export async function sendDailyBriefing(
  deps: Pick<BriefingSchedulerDeps, "sql" | "send" | "timeZone" | "logger">,
  at: Date,
): Promise<boolean> {
  const prefs = await getPreferences(deps.sql);
  const since = prefs.lastBriefingAt ?? new Date(at.getTime() - 24 * 3600 * 1000);
  // Two hub instances, or a restart in the same minute: only one claims this briefing.
  if (!(await claimBriefing(deps.sql, at))) return false;
  if (!prefs.channel || !prefs.conversation) {
    deps.logger.info("daily briefing skipped: the person has not talked to the hub yet");
    return false;
  }
  const reply = briefingReply(
    await gatherBriefing(deps.sql, { now: at, since }),
    { now: at, timeZone: deps.timeZone },
    { daily: true },
  );
  await deps.send(prefs.channel, prefs.conversation, { text: reply.text, speech: reply.speech });
  return true;
}

/**
 * The daily briefing at BRIEFING_TIME: sleeps until the next fire time (computed, not polled),
 * sends, and computes the next. Resolves when the signal aborts.
 */
export async function runBriefingScheduler(deps: BriefingSchedulerDeps): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: "briefing" });
  let at = nextBriefingAt(deps.time, deps.timeZone, now());
  log.info({ next: at.toISOString() }, "daily briefing scheduled");
  while (!deps.signal.aborted) {
    await sleepUntil(at, now, deps.signal);
    if (deps.signal.aborted) break;
    // Woken early (a long wait capped, a clock set back): sleep again.
    if (now().getTime() < at.getTime()) continue;
    try {
      await sendDailyBriefing({ ...deps, logger: log }, at);
    } catch (e) {
      log.error({ err: e instanceof Error ? e.message : String(e) }, "daily briefing failed");
    }
    at = nextBriefingAt(deps.time, deps.timeZone, new Date(Math.max(now().getTime(), at.getTime())));
  }
}
