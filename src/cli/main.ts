import { runParseCommand } from "../../intents/index.ts";
import { type Config, loadConfig } from "../config.ts";
import { isHubError } from "../errors.ts";
import { createLogger, type Logger } from "../logger.ts";
import { runAdminCommand } from "./admin.ts";
import { runChat } from "./chat.ts";
import { runStart } from "./start.ts";

const USAGE = `agentops — the AgentOps hub

  agentops start                          run the hub (default)
  agentops chat                           the hub plus a terminal chat with the Chief of Staff
  agentops migrate                        bring the database schema up to date
  agentops agent add NAME [--capabilities a,b] [--type worker|specialist] [--description TEXT]
                                          register an agent and print its API key (once)
  agentops key create --admin             print a new admin API key (once)
  agentops parse [--channel C] [--now ISO] [--tz ZONE] "text"
  agentops parse --jsonl                  one JSON line in, one result line out
  agentops pair                           a one-time code that links a new identity to you
  agentops identities list                who may speak for you
  agentops identities revoke ID
  agentops login-link                     a one-time sign-in link for the dashboard
  agentops sessions list | revoke ID      dashboard sessions
  agentops outbox list | retry [ID ...]   events waiting for NATS; queue set-aside ones again
  agentops backup FILE                    a consistent backup (PGlite or PostgreSQL)
  agentops restore FILE [--force]         restore a backup into an empty database

Settings come from the environment or .env (see README.md).`;

export async function main(argv: string[]): Promise<number> {
  const [command = "start", ...rest] = argv;
  if (command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // parse needs no configuration and no database.
  if (command === "parse") {
    return runParseCommand(rest, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  }

  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  // One-shot commands print their own result; the log speaks only of failures (LOG_LEVEL=debug
  // still shows everything).
  const quiet = command !== "start" && command !== "chat";
  // Someone at a terminal reads the log; a container or a log shipper parses it.
  const interactive = process.stdout.isTTY === true;
  const logger = createLogger({
    level: quiet && config.logLevel === "info" ? "error" : config.logLevel,
    pretty: config.logFormat === "pretty" || (config.logFormat === "auto" && interactive),
  });

  try {
    switch (command) {
      case "start":
        return await runStart(config, logger, { signInLink: interactive });
      case "chat":
        return await runChat(config, logger);
      default:
        return await runAdminCommand(command, rest, config, logger);
    }
  } catch (e) {
    return reportError(e, logger);
  }
}

function reportError(e: unknown, logger: Logger): number {
  if (isHubError(e)) {
    process.stderr.write(`${e.message}\n`);
    return e.code === "bad_request" || e.code === "validation" ? 2 : 1;
  }
  logger.error({ err: e }, "command failed");
  process.stderr.write(`${(e as Error).message ?? String(e)}\n`);
  return 1;
}

process.exitCode = await main(process.argv.slice(2));
