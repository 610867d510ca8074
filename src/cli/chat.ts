import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { createTerminalAdapter } from "../../adapters/terminal/index.ts";
import type { Config } from "../config.ts";
import { buildChannelAdapters } from "../hub/channels.ts";
import { createHub } from "../hub/hub.ts";
import { createLogger, type Logger } from "../logger.ts";
import { keepRunningOnStrayErrors, stopOnSignals } from "./start.ts";

/**
 * The hub with a terminal chat as the owner. The hub's log goes to DATA_DIR/hub.log so the
 * conversation stays readable.
 */
export async function runChat(config: Config, _logger: Logger): Promise<number> {
  mkdirSync(config.dataDir, { recursive: true });
  const logFile = resolve(config.dataDir, "hub.log");
  const logger = createLogger({ level: config.logLevel, file: logFile });
  keepRunningOnStrayErrors(logger);
  const terminal = createTerminalAdapter({ prompt: "you> " });
  const hub = createHub(config, logger, { channelAdapters: buildChannelAdapters, extraAdapters: [terminal] });
  const stopped = stopOnSignals(hub, logger);
  process.stdout.write(
    `Starting the AgentOps hub on http://${config.host}:${config.port} (log: ${logFile})...\n`,
  );
  try {
    await hub.start();
  } catch (e) {
    process.stderr.write(`The hub did not start: ${(e as Error).message}\n(see ${logFile})\n`);
    await hub.stop();
    return 1;
  }
  await Promise.race([terminal.closed, stopped]);
  await hub.stop();
  return 0;
}
