import type { HubEvent } from "../core/types.ts";
import type { ServiceStatus } from "../infra/types.ts";

export interface PublishOptions {
  /**
   * The id of the event that must be the last one the destination holds, or the publish is
   * refused with HubError 'conflict' and nothing is stored. The relay sends a batch without
   * waiting for each ack and chains each event to the one before it: if one is refused, none
   * after it can land ahead of it.
   */
  after?: number;
}

/** Where committed events leave the hub. Publish resolves only once the event is durably accepted. */
export interface EventPublisher {
  publish(event: HubEvent, opts?: PublishOptions): Promise<void>;
  status(): ServiceStatus;
  close(): Promise<void>;
}

export type EventHandler = (event: HubEvent) => void | Promise<void>;
