import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fake of Deepgram's pre-recorded endpoint, `POST /v1/listen`, on 127.0.0.1:<random port>. It
 * does not transcribe: it checks what a real request must carry (`Authorization: Token KEY`,
 * model=nova-3, smart_format=true, an audio content type, a non-empty body, Ogg pages for
 * audio/ogg) and answers the scripted transcript in Deepgram's response shape, or a scripted error.
 */
export interface DeepgramRequest {
  authorization: string | undefined;
  contentType: string | undefined;
  model: string | null;
  smartFormat: string | null;
  keyterms: string[];
  query: Record<string, string[]>;
  bytes: number;
}

export interface FakeDeepgram {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly requests: DeepgramRequest[];
  /** the transcript for the next requests (until changed) */
  respondWith(transcript: string, confidence?: number): void;
  /** the next `times` requests fail with this HTTP status (Deepgram's error body) */
  failNext(status: number, times?: number, message?: string): void;
  close(): Promise<void>;
}

export async function startFakeDeepgram(opts: { apiKey?: string } = {}): Promise<FakeDeepgram> {
  const apiKey = opts.apiKey ?? "dg-test-key-0123456789abcdef";
  const requests: DeepgramRequest[] = [];
  let transcript = "add a task to draft the launch email for Launch, high priority";
  let confidence = 0.97;
  const failures: { status: number; message: string }[] = [];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const send = (status: number, payload: unknown) => {
        const text = JSON.stringify(payload);
        res.writeHead(status, { "content-type": "application/json", "dg-request-id": randomUUID() });
        res.end(text);
      };
      const error = (status: number, errCode: string, errMsg: string) =>
        send(status, { err_code: errCode, err_msg: errMsg, request_id: randomUUID() });

      if (req.method !== "POST" || url.pathname !== "/v1/listen") return error(404, "NOT_FOUND", "Not found");
      const query: Record<string, string[]> = {};
      for (const [k, v] of url.searchParams) query[k] = [...(query[k] ?? []), v];
      const contentType = req.headers["content-type"];
      requests.push({
        authorization: req.headers.authorization,
        contentType,
        model: url.searchParams.get("model"),
        smartFormat: url.searchParams.get("smart_format"),
        keyterms: url.searchParams.getAll("keyterm"),
        query,
        bytes: body.length,
      });

      if (req.headers.authorization !== `Token ${apiKey}`) {
        return error(401, "INVALID_AUTH", "Invalid credentials.");
      }
      const failure = failures.shift();
      if (failure)
        return error(
          failure.status,
          failure.status >= 500 ? "INTERNAL_SERVER_ERROR" : "Bad Request",
          failure.message,
        );
      if (url.searchParams.get("model") !== "nova-3")
        return error(400, "Bad Request", "expected model=nova-3");
      if (url.searchParams.get("smart_format") !== "true")
        return error(400, "Bad Request", "expected smart_format=true");
      if (!contentType?.startsWith("audio/"))
        return error(415, "UNSUPPORTED_MEDIA_TYPE", "expected an audio content type");
      if (body.length === 0)
        return error(400, "Bad Request", "Bad Request: failed to process audio: corrupt or unsupported data");
      if (contentType.startsWith("audio/ogg") && body.subarray(0, 4).toString("latin1") !== "OggS") {
        return error(400, "Bad Request", "Bad Request: failed to process audio: corrupt or unsupported data");
      }

      const words = transcript.split(/\s+/).filter(Boolean);
      send(200, {
        metadata: {
          transaction_key: "deprecated",
          request_id: randomUUID(),
          sha256: createHash("sha256").update(body).digest("hex"),
          created: new Date().toISOString(),
          duration: 4.36,
          channels: 1,
          models: ["2187e11a-3532-4498-b076-81fa530bdd49"],
          model_info: {
            "2187e11a-3532-4498-b076-81fa530bdd49": {
              name: "general-nova-3",
              version: "2024-12-20.0",
              arch: "nova-3",
            },
          },
        },
        results: {
          channels: [
            {
              alternatives: [
                {
                  transcript,
                  confidence,
                  words: words.map((w, i) => ({
                    word: w.toLowerCase().replace(/[^\p{L}\p{N}']/gu, ""),
                    start: i * 0.4,
                    end: i * 0.4 + 0.35,
                    confidence,
                    punctuated_word: w,
                  })),
                },
              ],
            },
          ],
        },
      });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    respondWith(t, c = 0.97) {
      transcript = t;
      confidence = c;
    },
    failNext(status, times = 1, message = "Something went wrong") {
      for (let i = 0; i < times; i++) failures.push({ status, message });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
