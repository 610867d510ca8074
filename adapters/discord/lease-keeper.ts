import { acquireSingleton, releaseSingleton, type SingletonLease } from "../../src/channels/singleton.ts";
import type { Sql } from "../../src/db/sql.ts";
import type { Logger } from "../../src/logger.ts";

export interface LeaseKeeperOptions {
  sql: Sql;
  name: string;
  holder: string;
  ttlMs: number;
  /** how often the holder renews (well under ttlMs) */
  renewMs: number;
  /** how often an instance without the lease tries to take it */
  retryMs: number;
  log: Logger;
  /** the lease is ours: connect. A throw gives the lease back and tries again later. */
  onAcquired(lease: SingletonLease): Promise<void>;
  /** the lease is no longer ours (or we are stopping): disconnect */
  onLost(): Promise<void>;
}

export interface LeaseKeeper {
  readonly held: boolean;
  /** settles once the first attempt to take the lease (and onAcquired, if it was taken) is over */
  readonly firstCheck: Promise<void>;
  /** stops renewing, runs onLost if held, and releases the lease so another instance takes over */
  stop(): Promise<void>;
}

/**
 * Keeps a singleton lease: takes it when free, renews it while held, and reports gaining and losing
 * it. A renewal that fails (database down) counts as lost once the lease's own expiry has passed, so
 * two instances never hold the gateway at the same time for longer than the clock skew.
 */
export function startLeaseKeeper(o: LeaseKeeperOptions): LeaseKeeper {
  let current: SingletonLease | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | undefined;

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(run, current ? o.renewMs : o.retryMs);
  };
  const run = () => {
    running = tick()
      .catch((e: unknown) => o.log.error({ err: e, lease: o.name }, "gateway lease check failed"))
      .finally(schedule);
  };

  async function tick(): Promise<void> {
    let lease: SingletonLease | undefined;
    try {
      lease = await acquireSingleton(o.sql, o.name, o.holder, o.ttlMs);
    } catch (e) {
      o.log.warn({ err: e, lease: o.name }, "could not renew the gateway lease");
      if (current && current.expiresAt.getTime() > Date.now()) return;
      lease = undefined;
    }
    if (stopped) return;
    if (current && (!lease || lease.fencingToken !== current.fencingToken)) {
      o.log.warn({ lease: o.name }, "lost the gateway lease");
      current = undefined;
      await o.onLost();
    }
    if (lease && !current) {
      current = lease;
      o.log.info({ lease: o.name, fencingToken: lease.fencingToken }, "holding the gateway lease");
      try {
        await o.onAcquired(lease);
      } catch (e) {
        o.log.error({ err: e, lease: o.name }, "could not take over the gateway; giving the lease back");
        current = undefined;
        await o.onLost().catch(() => {});
        await releaseSingleton(o.sql, o.name, o.holder).catch(() => {});
      }
    } else if (lease) {
      current = lease;
    }
  }

  run();
  const firstCheck = running;

  return {
    firstCheck,
    get held() {
      return current !== undefined;
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        clearTimeout(timer);
        await running;
        if (current) {
          current = undefined;
          await o.onLost();
        }
        // Even when a take-over was cut short by the stop, the row may be ours: give it back.
        await releaseSingleton(o.sql, o.name, o.holder).catch((e: unknown) => {
          o.log.warn({ err: e, lease: o.name }, "could not release the gateway lease");
        });
      })();
      return stopping;
    },
  };
}
