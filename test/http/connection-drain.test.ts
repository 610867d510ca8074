import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait.ts";
import { startHub } from "./harness.ts";

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms),
    ),
  ]);

describe("closing the HTTP server", () => {
  it("does not wait for a connection that never sent a request", async () => {
    const hub = await startHub({ relay: false });
    const { port } = new URL(hub.url);
    // a client's preconnect: connected, silent
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    // Node would hold close() until its headers timeout, a minute away
    await within(hub.close(), 5_000, "close");
    await within(ended, 5_000, "the silent socket closing");
  });

  it("answers a long poll in flight as it closes", async () => {
    const hub = await startHub({ relay: false });
    const key = await hub.agent("drain-agent");
    const poll = hub.call("POST", "/v1/tasks/claim", { key, body: { wait: 20 } });
    await waitFor(async () => /^agentops_claims_waiting 1$/m.test((await hub.call("GET", "/metrics")).text), {
      what: "the long poll to wait",
    });
    await within(hub.close(), 5_000, "close");
    const r = await poll;
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ tasks: [] });
  });
});
