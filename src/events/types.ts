import type { HubEvent } from "../core/types.ts";
import type { ServiceStatus } from "../infra/types.ts";

/** Where committed events leave the hub. Publish resolves only once the event is durably accepted. */
export interface EventPublisher {
  publish(event: HubEvent): Promise<void>;
  status(): ServiceStatus;
  close(): Promise<void>;
}

export type EventHandler = (event: HubEvent) => void | Promise<void>;
