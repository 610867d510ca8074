import { createServer } from "node:http";
import { connect } from "node:net";
import { Agent, request } from "undici";
import { describe, expect, it } from "vitest";
import { createConnectionDrain } from "../../src/http/connection-drain.ts";
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

  it("closes a kept-alive connection whose response went out after closing began", async () => {
    let answer: () => void = () => {};
    const answered = new Promise<void>((r) => {
      answer = r;
    });
    const server = createServer((_req, res) => {
      void answered.then(() => res.end("done"));
    });
    const drain = createConnectionDrain(server, 30_000);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    try {
      const res = request(`http://127.0.0.1:${port}/`, { dispatcher: agent });
      await waitFor(
        async () => (await new Promise<number>((r) => server.getConnections((_, n) => r(n)))) === 1,
      );
      // closing starts while the request is in flight: Node closes only connections idle now
      drain.start();
      const closed = new Promise<void>((r) => server.close(() => r()));
      answer();
      const r = await res;
      expect(r.headers.connection).toBe("close");
      expect(await r.body.text()).toBe("done");
      await within(closed, 5_000, "close");
    } finally {
      await agent.close();
    }
  });
});
