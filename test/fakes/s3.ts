import { createServer, type Server } from "node:http";

/** Enough of the S3 REST protocol (path-style PUT and GET object) for the artifact store. */
export async function startFakeS3(bucket: string) {
  const objects = new Map<string, { body: Buffer; contentType: string | undefined }>();
  const requests: { method: string; path: string; authorized: boolean }[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const [, b, ...rest] = url.pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    const authorized = String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 Credential=");
    requests.push({ method: req.method ?? "", path: url.pathname, authorized });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (b !== bucket) {
        res.writeHead(404, { "content-type": "application/xml" });
        res.end("<Error><Code>NoSuchBucket</Code></Error>");
        return;
      }
      if (req.method === "PUT") {
        objects.set(key, { body: Buffer.concat(chunks), contentType: req.headers["content-type"] });
        res.writeHead(200, { etag: '"x"' });
        res.end();
        return;
      }
      const o = objects.get(key);
      if (req.method === "GET" && o) {
        res.writeHead(200, {
          "content-type": o.contentType ?? "application/octet-stream",
          "content-length": o.body.length,
        });
        res.end(o.body);
        return;
      }
      res.writeHead(404, { "content-type": "application/xml" });
      res.end("<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
