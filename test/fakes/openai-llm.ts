// A scriptable stand-in for an OpenAI-compatible `POST /chat/completions` endpoint, so the LLM parser
// can be tested against real HTTP (timeouts, status codes, broken bodies) without a network.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeReply =
  | { kind: "tool"; name: string; arguments: string | object; usage?: FakeUsage }
  | { kind: "status"; status: number; body?: string }
  | { kind: "raw"; body: string; status?: number }
  /** Never answers; the request stays open until the client aborts or the server closes. */
  | { kind: "hang" };

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cost?: number;
}

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

export interface FakeOpenAi {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Replies are used in order; the last one repeats. */
  script(...replies: FakeReply[]): void;
  /** Resolves when the server has received `n` requests in total. */
  waitForRequests(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  let replies: FakeReply[] = [{ kind: "status", status: 500, body: "no reply scripted" }];
  const requests: RecordedRequest[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const hanging = new Set<ServerResponse>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        // Recorded as empty; tests assert on what they need.
      }
      requests.push({ path: req.url ?? "", headers: req.headers, body });
      for (const w of waiters.filter((w) => requests.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const reply = replies.length > 1 ? (replies.shift() as FakeReply) : (replies[0] as FakeReply);
      respond(reply, res);
    });
  });

  function respond(reply: FakeReply, res: ServerResponse): void {
    switch (reply.kind) {
      case "hang":
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      case "status":
        res.writeHead(reply.status, { "content-type": "application/json" });
        res.end(reply.body ?? JSON.stringify({ error: { message: "scripted error" } }));
        return;
      case "raw":
        res.writeHead(reply.status ?? 200, { "content-type": "application/json" });
        res.end(reply.body);
        return;
      case "tool": {
        const args = typeof reply.arguments === "string" ? reply.arguments : JSON.stringify(reply.arguments);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: "chatcmpl-fake",
            object: "chat.completion",
            choices: [
              {
                index: 0,
                finish_reason: "tool_calls",
                message: {
                  role: "assistant",
                  content: null,
                  tool_calls: [
                    { id: "call_1", type: "function", function: { name: reply.name, arguments: args } },
                  ],
                },
              },
            ],
            usage: reply.usage ?? { prompt_tokens: 100, completion_tokens: 10 },
          }),
        );
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/api/v1`,
    requests,
    script(...next: FakeReply[]) {
      replies = next.length > 0 ? next : replies;
    },
    waitForRequests(n: number) {
      if (requests.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
