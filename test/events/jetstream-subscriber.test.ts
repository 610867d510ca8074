import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HubEvent } from "../../src/core/types.ts";
import { HubError } from "../../src/errors.ts";
import { subscribeJetStream } from "../../src/events/jetstream-subscriber.ts";
import { createNatsPublisher } from "../../src/events/nats-publisher.ts";
import type { EventPublisher } from "../../src/events/types.ts";
import { waitFor } from "../helpers/wait.ts";
import { captureLogger } from "../infra/capture-logger.ts";

const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const tag = Math.random().toString(36).slice(2, 8);
const STREAM = `T_SUB_${tag}`;
const PREFIX = `tsub${tag}`;

let nc: NatsConnection;
let publisher: EventPublisher;
const { logger } = captureLogger("warn");

const event = (id: number, type = "task.completed"): HubEvent => ({
  id,
  type,
  entityType: "task",
  entityId: `t${id}`,
  actor: "worker-1",
  payload: { n: id },
  createdAt: new Date(1_700_000_000_000 + id),
});

beforeAll(async () => {
  nc = await connect({ servers: NATS_URL });
  publisher = createNatsPublisher(
    { natsUrl: NATS_URL, natsCredsFile: undefined, natsStream: STREAM, natsSubjectPrefix: PREFIX },
    logger,
  );
});
afterAll(async () => {
  await publisher?.close();
  await (await nc?.jetstreamManager())?.streams.delete(STREAM).catch(() => {});
  await nc?.close();
});

describe("JetStream publisher and durable subscriber", () => {
  it("drops a republished event as a duplicate (same msgID)", async () => {
    await publisher.publish(event(1));
    await publisher.publish(event(1));
    const info = await (await nc.jetstreamManager()).streams.info(STREAM);
    expect(info.state.messages).toBe(1);
    expect(info.config.subjects).toEqual([`${PREFIX}.>`]);
    expect(info.config.storage).toBe("file");
  });

  it("shares a durable consumer between instances, handles each event once, redelivers on failure", async () => {
    const handled: { by: string; id: number }[] = [];
    const history = new Map<number, boolean>();
    let failOnce = true;
    const make = (by: string) =>
      subscribeJetStream({
        nc,
        stream: STREAM,
        durable: "notifier",
        filterSubject: `${PREFIX}.task.>`,
        logger,
        retryDelayMs: 50,
        handler: async (e, _m, meta) => {
          history.set(e.id, meta.beforeConsumer);
          if (e.id === 5 && failOnce) {
            failOnce = false;
            throw new HubError("unavailable", "telegram is down");
          }
          handled.push({ by, id: e.id });
        },
      });
    const [a, b] = await Promise.all([make("a"), make("b")]);
    for (let id = 2; id <= 40; id++) await publisher.publish(event(id));
    await publisher.publish(event(41, "agent.offline")); // outside the filter
    await waitFor(() => handled.length >= 40, { what: "40 events handled" });
    const ids = handled.map((h) => h.id).sort((x, y) => x - y);
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(failOnce).toBe(false);
    // event 1 was in the stream before the consumer existed: history it replays; the rest not
    expect(history.get(1)).toBe(true);
    expect([...history].filter(([id, h]) => id > 1 && h)).toEqual([]);
    await Promise.all([a.stop(), b.stop(), a.stop()]);

    // Acked: a consumer coming back under the same name gets nothing old again.
    const info = await (await nc.jetstreamManager()).consumers.info(STREAM, "notifier");
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
  });
});
