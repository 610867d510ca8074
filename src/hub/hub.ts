import type { FastifyInstance } from "fastify";
import { warmUpParser } from "../../intents/index.ts";
import type { ChannelAdapter, Dispatcher, OutboundMessage } from "../channels/types.ts";
import type { Config } from "../config.ts";
import { createDispatcher } from "../conversation/dispatcher.ts";
import type { CoreSettings } from "../core/types.ts";
import { runBriefingScheduler } from "../cos/briefing-scheduler.ts";
import { createNotifier, type Notifier } from "../cos/notifier.ts";
import { openDatabase } from "../db/open.ts";
import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { type ClusterEvents, createClusterEvents } from "../events/cluster-events.ts";
import { createEventPublisher } from "../events/create-publisher.ts";
import { createLocalEventBus, type LocalEventBus } from "../events/local-bus.ts";
import { createOutboxRelay, type OutboxRelay } from "../events/outbox-relay.ts";
import type { EventPublisher } from "../events/types.ts";
import { createHttpApp } from "../http/app.ts";
import { createInfra } from "../infra/create-infra.ts";
import type { Infra } from "../infra/types.ts";
import type { Logger } from "../logger.ts";
import { registerWebRoutes } from "../web/index.ts";
import { createHubParser } from "./llm-parser.ts";
import { createMaintenance, type Maintenance } from "./maintenance.ts";

export interface HubOptions {
  /** adapters besides the configured channels (the terminal chat) */
  extraAdapters?: ChannelAdapter[];
  /** channel adapters built from the config; the default builds every configured channel */
  channelAdapters?: (ctx: ChannelFactoryContext) => Promise<ChannelAdapter[]>;
  /** false: no HTTP listener (the API is still built, for inject()) */
  listen?: boolean;
}

/** What a channel adapter factory may use when the hub builds it. */
export interface ChannelFactoryContext {
  config: Config;
  logger: Logger;
  sql: Sql;
  infra: Infra;
}

export interface Hub {
  readonly config: Config;
  readonly logger: Logger;
  /** set once started */
  readonly sql: Sql;
  readonly app: FastifyInstance;
  readonly bus: LocalEventBus;
  readonly dispatcher: Dispatcher;
  readonly relay: OutboxRelay;
  readonly maintenance: Maintenance;
  readonly adapters: readonly ChannelAdapter[];
  /** http://host:port once listening */
  readonly url: string;
  start(): Promise<void>;
  /** graceful: HTTP, adapters, notifications, the outbox (NATS), Redis, then Postgres */
  stop(): Promise<void>;
}

/**
 * Builds the whole hub from its config. Nothing connects until start(); start and stop are
 * safe to call twice.
 */
export function createHub(config: Config, logger: Logger, opts: HubOptions = {}): Hub {
  const settings: CoreSettings = {
    leaseSeconds: config.leaseSeconds,
    maxAttempts: config.maxAttempts,
    agentOfflineSeconds: config.agentOfflineSeconds,
  };
  const abort = new AbortController();
  const bus = createLocalEventBus(logger);
  let sql: Sql | undefined;
  let infra: Infra | undefined;
  let publisher: EventPublisher | undefined;
  let relay: OutboxRelay | undefined;
  let cluster: ClusterEvents | undefined;
  let maintenance: Maintenance | undefined;
  let notifier: Notifier | undefined;
  let dispatcher: Dispatcher | undefined;
  let app: FastifyInstance | undefined;
  let briefing: Promise<void> | undefined;
  let adapters: ChannelAdapter[] = [];
  let url = "";
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`the hub is not started: no ${what} yet`);
    return v;
  };

  /** The notifier and briefings send through whichever adapter owns the channel. */
  async function send(channel: string, conversation: string, msg: OutboundMessage) {
    const adapter = adapters.find((a) => a.name === channel);
    if (!adapter) throw new Error(`no ${channel} adapter is running to deliver to`);
    await adapter.send(conversation, msg);
  }

  async function doStart() {
    const log = logger.child({ component: "hub" });
    sql = await openDatabase(config, logger);
    infra = createInfra(config, logger);
    publisher = createEventPublisher(config, logger);
    // With NATS there may be several instances, and only the one holding the outbox lock
    // publishes a batch: every bus is fed from the stream instead of by that one relay.
    if (config.natsUrl) {
      cluster = createClusterEvents({ config, sql, bus, logger });
      await cluster.start();
    }
    relay = createOutboxRelay({ sql, publisher, ...(cluster ? {} : { bus }), logger });
    await relay.start();
    maintenance = createMaintenance({ sql, settings, intervalMs: config.reaperIntervalMs, logger });
    maintenance.start();

    const parser = createHubParser({ sql, config, logger });
    // Compile the rules now, not on the person's first message.
    warmUpParser();
    dispatcher = createDispatcher({
      sql,
      parser,
      logger,
      config,
      dashboardUrl: () => config.publicUrl ?? (url || undefined),
    });

    const ctx: ChannelFactoryContext = { config, logger, sql, infra };
    const built = opts.channelAdapters ? await opts.channelAdapters(ctx) : [];
    adapters = [...built, ...(opts.extraAdapters ?? [])];

    const inf = infra;
    const rel = relay;
    const pub = publisher;
    app = createHttpApp({
      sql,
      config,
      logger,
      rateLimiter: inf.rateLimiter,
      bus,
      health: async () => ({ redis: inf.redisStatus(), nats: pub.status() }),
      outboxLag: () => rel.lag(),
    });
    for (const a of adapters) await a.routes?.(app);
    // The dashboard at /: the web channel of the same dispatcher.
    await registerWebRoutes(app, { sql, config, logger, dispatcher, bus, rateLimiter: inf.rateLimiter });

    for (const a of adapters) {
      await a.start({ dispatcher, logger: logger.child({ adapter: a.name }), signal: abort.signal });
    }
    notifier = createNotifier({
      sql,
      ...(cluster ? { queue: cluster.notifierQueue } : { subscribe: (h) => bus.subscribe(h) }),
      send,
      logger,
    });
    await notifier.start();
    if (config.briefingTime) {
      briefing = runBriefingScheduler({
        sql,
        time: config.briefingTime,
        timeZone: config.timeZone,
        send,
        logger,
        signal: abort.signal,
      }).catch((e: unknown) => log.error({ err: (e as Error).message }, "daily briefing stopped"));
    }

    if (opts.listen !== false) {
      url = await app.listen({ host: config.host, port: config.port }).catch((e: unknown) => {
        throw listenFailed(e, config.host, config.port);
      });
      log.info({ url, adapters: adapters.map((a) => a.name) }, "AgentOps hub is running");
    } else {
      await app.ready();
    }
  }

  async function doStop() {
    if (starting) await starting.catch(() => {});
    const log = logger.child({ component: "hub" });
    abort.abort();
    const step = async (what: string, fn: () => Promise<unknown> | undefined) => {
      try {
        await fn();
      } catch (e) {
        log.warn({ err: (e as Error).message }, `stopping ${what} failed`);
      }
    };
    await step("http", () => app?.close());
    for (const a of [...adapters].reverse()) await step(`adapter ${a.name}`, () => a.stop());
    // With a shared queue, what it could not send goes back to the other instances.
    await step("notifier", () => notifier?.stop());
    await step("briefing", () => briefing);
    await step("maintenance", () => maintenance?.stop());
    await step("outbox", async () => {
      await relay?.drain(2_000).catch(() => {});
      await relay?.stop();
    });
    await step("cluster events", () => cluster?.stop());
    await step("nats", () => publisher?.close());
    await step("redis", () => infra?.close());
    await step("database", () => sql?.close());
    log.info("AgentOps hub stopped");
  }

  return {
    config,
    logger,
    bus,
    get sql() {
      return need(sql, "database");
    },
    get app() {
      return need(app, "HTTP app");
    },
    get dispatcher() {
      return need(dispatcher, "dispatcher");
    },
    get relay() {
      return need(relay, "outbox relay");
    },
    get maintenance() {
      return need(maintenance, "maintenance");
    },
    get adapters() {
      return adapters;
    },
    get url() {
      return url;
    },
    start() {
      starting ??= doStart();
      return starting;
    },
    stop() {
      stopping ??= doStop();
      return stopping;
    },
  };
}

/** Why the API could not listen, said with the setting to change. */
function listenFailed(e: unknown, host: string, port: number): unknown {
  const at = `${host}:${port}`;
  const why: Record<string, string> = {
    EADDRINUSE: "something else is listening there (another hub?). Stop it, or set PORT to a free port",
    EADDRNOTAVAIL: `${host} is not an address of this machine. Set HOST to one of its addresses`,
    EACCES: "a port below 1024 needs privileges. Set PORT to 1024 or above",
  };
  const reason = why[(e as NodeJS.ErrnoException).code ?? ""];
  return reason ? new HubError("config_invalid", `Cannot listen on ${at}: ${reason}.`, { cause: e }) : e;
}
