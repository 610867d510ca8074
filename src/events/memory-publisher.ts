import type { EventPublisher } from "./types.ts";

/**
 * Without NATS, events leave nowhere: the relay marks them published and the local bus is the
 * only audience. Publishing always succeeds.
 */
export function createMemoryPublisher(): EventPublisher {
  return {
    async publish() {},
    status: () => "embedded",
    async close() {},
  };
}
