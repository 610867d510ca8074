import type { HubEvent } from "../core/types.ts";
import type { Logger } from "../logger.ts";
import type { EventHandler } from "./types.ts";

/** In-process fan-out of published events to the hub's own consumers (SSE, notifications, dashboard). */
export interface LocalEventBus {
  /** Returns the unsubscribe function. */
  subscribe(handler: EventHandler): () => void;
  /** Delivers to every current subscriber, synchronously and in call order. */
  emit(event: HubEvent): void;
}

export function createLocalEventBus(logger: Logger): LocalEventBus {
  const log = logger.child({ component: "event-bus" });
  const handlers = new Set<EventHandler>();
  // One failing consumer must not stop the others, nor the relay that emits.
  const report = (e: unknown, event: HubEvent) =>
    log.error({ err: e instanceof Error ? e.message : String(e), eventId: event.id }, "event handler failed");
  return {
    subscribe(handler) {
      // Wrapped, so subscribing the same function twice gives two independent subscriptions.
      const h: EventHandler = (e) => handler(e);
      handlers.add(h);
      return () => {
        handlers.delete(h);
      };
    },
    emit(event) {
      for (const h of [...handlers]) {
        try {
          const r = h(event);
          if (r instanceof Promise) r.catch((e: unknown) => report(e, event));
        } catch (e) {
          report(e, event);
        }
      }
    },
  };
}
