import { readFileSync } from "node:fs";
import { type ConnectionOptions, connect, credsAuthenticator, type NatsConnection } from "nats";
import type { Config } from "../config.ts";
import { HubError } from "../errors.ts";
import { urlHost } from "../infra/redact-url.ts";
import type { Logger } from "../logger.ts";
import { abortableSleep } from "./sleep.ts";

export type NatsSettings = Pick<Config, "natsUrl" | "natsCredsFile"> & Partial<Pick<Config, "natsCreds">>;

/**
 * Connection options from NATS_URL and NATS_CREDS_FILE. Credentials in the URL are passed as
 * user/pass (or token) rather than left in the server string, so they never show up in the
 * client's errors or our logs.
 */
export function natsConnectOptions(
  url: string,
  credsFile: string | undefined,
  name: string,
  /** the creds file's content (NATS_CREDS), for platforms that inject secrets as variables */
  creds?: string,
): ConnectionOptions {
  const u = new URL(url);
  if (u.protocol === "ws:" || u.protocol === "wss:") {
    throw new HubError(
      "config_invalid",
      "NATS_URL: ws:// and wss:// are not supported by the hub; use nats:// or tls://",
    );
  }
  const opts: ConnectionOptions = {
    servers: `${u.hostname}:${u.port || "4222"}`,
    name,
    // Reconnect forever: the outbox holds events while NATS is away, so there is nothing to give up on.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    pingInterval: 10_000,
    timeout: 5_000,
  };
  if (u.protocol === "tls:") opts.tls = {};
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  if (user && pass) {
    opts.user = user;
    opts.pass = pass;
  } else if (user) {
    opts.token = user;
  }
  if (creds) opts.authenticator = credsAuthenticator(new TextEncoder().encode(creds));
  else if (credsFile) opts.authenticator = credsAuthenticator(readFileSync(credsFile));
  return opts;
}

/**
 * Connects, retrying until NATS answers or `signal` aborts (a NATS that is down when the hub
 * starts is fine). Our own loop rather than waitOnFirstConnect: that one cannot be cancelled,
 * so a hub stopped before NATS ever came up would never exit.
 */
export async function connectNats(
  settings: NatsSettings & { natsUrl: string },
  logger: Logger,
  opts: { name: string; signal?: AbortSignal },
): Promise<NatsConnection> {
  const base = natsConnectOptions(settings.natsUrl, settings.natsCredsFile, opts.name, settings.natsCreds);
  const log = logger.child({ component: "nats", host: urlHost(settings.natsUrl) });
  let warned = false;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw new HubError("unavailable", "NATS connect aborted");
    try {
      const nc = await connect(base);
      if (warned) log.info("NATS reachable now: connected");
      return nc;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (!warned)
        log.warn({ err: msg }, "NATS unreachable: retrying in the background; events wait in the outbox");
      warned = true;
      await abortableSleep(Math.min(250 * attempt, 2_000), opts.signal);
    }
  }
}
