import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * Graceful close for an HTTP server whose `close()` waits for every connection to end. Node
 * closes idle keep-alive connections at close, but a connection that has not sent a byte yet
 * (a client's preconnect, a pooled socket whose request was aborted before it was written)
 * counts as busy, and would hold the close until the headers timeout, a minute later. Those
 * carry no request, so they go at once; a request still running after `graceMs` is cut. A
 * response that goes out after closing began says `Connection: close`: its connection would
 * otherwise turn idle after Node closed the idle ones, and hold the close until the grace ends.
 */
export function createConnectionDrain(server: Server, graceMs: number) {
  const sockets = new Set<Socket>();
  const responses = new Set<ServerResponse>();
  let closing = false;
  let timer: NodeJS.Timeout | undefined;
  const closeAfter = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader("connection", "close");
  };
  server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    if (closing) {
      closeAfter(res);
      return;
    }
    responses.add(res);
    res.once("close", () => responses.delete(res));
  });
  server.on("connection", (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.once("close", () => clearTimeout(timer));
  const sweep = () => {
    for (const s of sockets) if (s.bytesRead === 0) s.destroy();
  };
  return {
    /** Call as closing starts; safe to call twice. */
    start() {
      if (closing) return;
      closing = true;
      for (const res of responses) closeAfter(res);
      sweep();
      // again once the server has stopped accepting: a socket may have connected in between
      setImmediate(sweep);
      timer = setTimeout(() => server.closeAllConnections(), graceMs);
      timer.unref();
    },
  };
}
