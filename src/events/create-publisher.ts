import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { createMemoryPublisher } from "./memory-publisher.ts";
import { createNatsPublisher, type NatsPublisherOptions } from "./nats-publisher.ts";
import type { EventPublisher } from "./types.ts";

/** JetStream when NATS_URL is set, else in process (the local bus is then the only audience). */
export function createEventPublisher(
  config: Pick<Config, "natsUrl" | "natsCredsFile" | "natsCreds" | "natsStream" | "natsSubjectPrefix">,
  logger: Logger,
  opts: NatsPublisherOptions = {},
): EventPublisher {
  const { natsUrl } = config;
  if (!natsUrl) {
    logger
      .child({ component: "events" })
      .info("NATS_URL not set: events are delivered in-process only (single instance, no JetStream)");
    return createMemoryPublisher();
  }
  return createNatsPublisher({ ...config, natsUrl }, logger, opts);
}
