import type { Config } from "../config.ts";
import { buildChannelAdapters } from "../hub/channels.ts";
import { createHub, type Hub } from "../hub/hub.ts";
import type { Logger } from "../logger.ts";

/** Runs until SIGTERM or SIGINT, then drains everything in order and exits 0. */
export async function runStart(config: Config, logger: Logger): Promise<number> {
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
  await stopped;
  return 0;
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
