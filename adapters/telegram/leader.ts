import { acquireSingleton, holdsSingleton, releaseSingleton } from "../../src/channels/singleton.ts";
import type { Sql } from "../../src/db/sql.ts";
import type { Logger } from "../../src/logger.ts";
import { describeError, sleep } from "./retry.ts";

export interface LeaseOptions {
  sql: Sql;
  name: string;
  holder: string;
  ttlMs: number;
  renewMs: number;
  log: Logger;
}

export interface Leadership {
  /** aborted when the lease is lost (or the whole run stops) */
  signal: AbortSignal;
  fencingToken: number;
  /** true while the lease is still ours with this fencing token (checked in the database) */
  stillHeld(): Promise<boolean>;
}

/**
 * Runs `work` only while this instance holds the named lease: tries to take it every `renewMs`,
 * renews it as often while working, aborts the work's signal when it is lost, and releases it when
 * `signal` aborts so another instance takes over at once.
 */
export async function whileLeader(
  opts: LeaseOptions,
  signal: AbortSignal,
  onChange: (leading: boolean) => void,
  work: (lead: Leadership) => Promise<void>,
): Promise<void> {
  const { sql, name, holder, log } = opts;
  let waitingLogged = false;
  while (!signal.aborted) {
    const lease = await acquireSingleton(sql, name, holder, opts.ttlMs).catch((e: unknown) => {
      log.warn({ err: describeError(e) }, "could not reach the database to take the telegram lease");
      return undefined;
    });
    if (!lease) {
      if (!waitingLogged) log.info({ lease: name }, "another instance polls telegram; standing by");
      waitingLogged = true;
      await sleep(opts.renewMs, signal);
      continue;
    }
    waitingLogged = false;
    log.info({ lease: name, fencingToken: lease.fencingToken }, "took the telegram lease; polling");
    const lead = new AbortController();
    const stopLead = () => lead.abort();
    // stop() may have come while the lease was being taken: a listener added now would never fire.
    if (signal.aborted) lead.abort();
    else signal.addEventListener("abort", stopLead, { once: true });
    onChange(true);
    const renewing = renew(opts, lease.expiresAt, lead);
    try {
      await work({
        signal: lead.signal,
        fencingToken: lease.fencingToken,
        stillHeld: () => holdsSingleton(sql, name, holder, lease.fencingToken),
      });
    } catch (e) {
      if (!lead.signal.aborted)
        log.error({ err: describeError(e) }, "telegram polling stopped with an error");
    } finally {
      lead.abort();
      signal.removeEventListener("abort", stopLead);
      await renewing;
      onChange(false);
    }
    if (signal.aborted) {
      await releaseSingleton(sql, name, holder).catch((e: unknown) =>
        log.warn({ err: describeError(e) }, "could not release the telegram lease; it will expire"),
      );
      log.info({ lease: name }, "released the telegram lease");
      return;
    }
    await sleep(opts.renewMs, signal);
  }
}

async function renew(opts: LeaseOptions, firstExpiry: Date, lead: AbortController): Promise<void> {
  let expiresAt = firstExpiry.getTime();
  while (await sleep(opts.renewMs, lead.signal)) {
    try {
      const lease = await acquireSingleton(opts.sql, opts.name, opts.holder, opts.ttlMs);
      if (!lease) {
        opts.log.warn({ lease: opts.name }, "lost the telegram lease to another instance; stopping polling");
        lead.abort();
        return;
      }
      expiresAt = lease.expiresAt.getTime();
    } catch (e) {
      opts.log.warn({ err: describeError(e) }, "could not renew the telegram lease");
      if (Date.now() + opts.renewMs >= expiresAt) {
        opts.log.warn(
          { lease: opts.name },
          "the telegram lease is about to expire unrenewed; stopping polling",
        );
        lead.abort();
        return;
      }
    }
  }
}
