import { connect, type NatsConnection } from "nats";
import { afterAll, describe, expect, it } from "vitest";
import type { ChannelAdapter, OutboundMessage } from "../../src/channels/types.ts";
import { loadConfig } from "../../src/config.ts";
import { setNotification } from "../../src/conversation/preferences.ts";
import { emitEvent } from "../../src/core/events.ts";
import type { HubEvent } from "../../src/core/types.ts";
import { NOTIFIER_DURABLE } from "../../src/events/cluster-events.ts";
import { createHub, type Hub } from "../../src/hub/hub.ts";
import { createLogger } from "../../src/logger.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";
import { waitFor } from "../helpers/wait.ts";

const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const ADMIN = "test-admin-key-0123456789";
const tag = Math.random().toString(36).slice(2, 8);
const STREAM = `HUBCLUSTER_${tag}`;

/** A channel that records what the notifier sends through it. */
function captureChannel(sent: { by: string; text: string }[], by: string): ChannelAdapter {
  return {
    name: "terminal",
    async start() {},
    async stop() {},
    async send(_conversation: string, msg: OutboundMessage) {
      sent.push({ by, text: msg.text });
    },
  };
}

/** Reads an SSE stream into `ids` until aborted. */
async function followSse(url: string, ids: number[], signal: AbortSignal): Promise<void> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${ADMIN}` }, signal });
  if (!res.body) throw new Error("no SSE body");
  const decoder = new TextDecoder();
  let text = "";
  try {
    for await (const chunk of res.body) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      let end = text.indexOf("\n\n");
      while (end >= 0) {
        const id = /^id: (\d+)$/m.exec(text.slice(0, end))?.[1];
        if (id) ids.push(Number(id));
        text = text.slice(end + 2);
        end = text.indexOf("\n\n");
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}

describe("several hub instances on one Postgres and one JetStream stream", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  let db: TestDb;
  let nc: NatsConnection;
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it("feeds every instance's bus with every event once, in order; notifies once", async () => {
    db = await createTestDatabase();
    cleanups.push(() => db.drop());
    nc = await connect({ servers: NATS_URL });
    cleanups.push(async () => {
      await (await nc.jetstreamManager()).streams.delete(STREAM).catch(() => {});
      await nc.close();
    });
    const env = (instance: string) =>
      loadConfig(
        {
          DATABASE_URL: db.url,
          NATS_URL,
          NATS_STREAM: STREAM,
          NATS_SUBJECT_PREFIX: `hubcluster${tag}`,
          INSTANCE_ID: instance,
          PORT: "0",
          AGENTOPS_ADMIN_KEY: ADMIN,
          LOG_LEVEL: "silent",
        },
        { dotenv: false },
      );
    const sent: { by: string; text: string }[] = [];
    const logger = createLogger({ level: process.env.HUB_TEST_LOG ?? "silent" });
    const hubs: Hub[] = ["a", "b"].map((id) =>
      createHub(env(`cluster-${id}`), logger, { extraAdapters: [captureChannel(sent, id)] }),
    );
    for (const h of hubs) cleanups.push(() => h.stop());
    const [a, b] = hubs as [Hub, Hub];
    await a.start();
    await b.start();
    // B never publishes: whatever reaches its bus came through the stream.
    await b.relay.stop();

    const seen = new Map<Hub, number[]>([
      [a, []],
      [b, []],
    ]);
    for (const h of hubs) h.bus.subscribe((e: HubEvent) => void seen.get(h)?.push(e.id));
    const sse: number[] = [];
    const sseStop = new AbortController();
    cleanups.push(async () => sseStop.abort());
    const sseDone = followSse(`${b.url}/v1/events/stream`, sse, sseStop.signal);

    const emitted: number[] = [];
    const actor = { kind: "agent", name: "writer" } as const;
    for (let i = 1; i <= 100; i++) {
      const e = await emitEvent(db.sql, {
        type: "project.noted",
        entityType: "project",
        entityId: `p${i}`,
        actor,
        payload: { i },
      });
      emitted.push(e.id);
    }
    for (const h of hubs) {
      await waitFor(() => (seen.get(h)?.length ?? 0) >= emitted.length, {
        what: "every event on the bus",
        timeoutMs: 15_000,
      });
    }
    await waitFor(() => sse.length >= emitted.length, {
      what: "every event over SSE on B",
      timeoutMs: 15_000,
    });
    expect(seen.get(a)).toEqual(emitted);
    expect(seen.get(b)).toEqual(emitted);
    expect(sse).toEqual(emitted);
    expect(b.relay.counters().published).toBe(0);

    // Notifications: the person follows the terminal at level "all"; each event once, from
    // whichever instance the shared consumer gave it to.
    await setNotification(db.sql, { level: "all", channel: "terminal", conversation: "me", pinned: true });
    const completed: number[] = [];
    for (let n = 1; n <= 6; n++) {
      const e = await emitEvent(db.sql, {
        type: "task.completed",
        entityType: "task",
        entityId: `t${n}`,
        actor,
        payload: { number: n, title: `write chapter ${n}`, completedBy: "writer" },
      });
      completed.push(e.id);
    }
    const jsm = await nc.jetstreamManager();
    await waitFor(
      async () => {
        const info = await jsm.consumers.info(STREAM, NOTIFIER_DURABLE);
        const text = sent.map((s) => s.text).join("\n");
        return (
          info.num_pending === 0 &&
          info.num_ack_pending === 0 &&
          completed.every((_, i) => text.includes(`write chapter ${i + 1}`))
        );
      },
      { what: "every notification sent and acked", timeoutMs: 20_000 },
    );
    const all = sent.map((s) => s.text).join("\n");
    // Titles 1..6: none is a prefix of another, so a count of each is exact.
    for (let n = 1; n <= 6; n++) expect(all.split(`write chapter ${n}`).length - 1).toBe(1);

    sseStop.abort();
    await sseDone;
    await b.stop();
    await a.stop();
  }, 60_000);
});
