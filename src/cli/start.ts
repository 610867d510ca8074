import type { Config } from "../config.ts";
import { buildChannelAdapters } from "../hub/channels.ts";
import { createHub, type Hub } from "../hub/hub.ts";
import type { Logger } from "../logger.ts";
import { createLoginLink } from "../web/index.ts";

/**
 * Runs until SIGTERM or SIGINT, then drains everything in order and exits 0. `signInLink`: the
 * person started it at a terminal, so it says where the dashboard is with a one-time sign-in
 * link (as Jupyter does): the embedded database is the running hub's alone, so
 * `agentops login-link` cannot give one until the hub stops.
 */
export async function runStart(
  config: Config,
  logger: Logger,
  opts: { signInLink?: boolean } = {},
): Promise<number> {
  keepRunningOnStrayErrors(logger);
  const hub = createHub(config, logger, { channelAdapters: buildChannelAdapters });
  const stopped = stopOnSignals(hub, logger);
  try {
    await hub.start();
  } catch (e) {
    // What started before the failure (the database, the relay, adapters) would otherwise keep
    // the process alive without its API.
    await hub.stop();
    throw e;
  }
  if (opts.signInLink) await sayWhereToSignIn(hub, logger);
  await stopped;
  return 0;
}

/** Logs where the dashboard is, with a one-time sign-in link. */
export async function sayWhereToSignIn(hub: Hub, logger: Logger): Promise<void> {
  try {
    const link = await createLoginLink(hub.sql, { publicUrl: hub.config.publicUrl ?? hub.url });
    logger.info(
      { docs: `${hub.url}/docs` },
      `Dashboard: ${link.url} (a sign-in link that works once, for 15 minutes; /login in any chat gives another)`,
    );
  } catch (e) {
    // The hub runs without it: the link is a convenience.
    logger.warn({ err: (e as Error).message }, "could not make a dashboard sign-in link");
  }
}

export function stopOnSignals(hub: Hub, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    let count = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      count += 1;
      if (count > 1) {
        logger.warn({ signal }, "second signal: exiting now");
        process.exit(1);
      }
      logger.info({ signal }, "shutting down");
      hub.stop().then(resolve, (e: unknown) => {
        logger.error({ err: e }, "shutdown failed");
        resolve();
      });
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  });
}

/**
 * A library's stray rejection (a platform client's event handler, say) must not take the whole
 * hub down with every channel in it: log it loudly and keep serving.
 */
export function keepRunningOnStrayErrors(logger: Logger): void {
  process.on("unhandledRejection", (reason) => {
    logger.error({ err: reason instanceof Error ? reason.message : String(reason) }, "unhandled rejection");
  });
}
