import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";

// Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

export interface Dispatch {
  op: 0;
  t: string;
  s: number;
  d: unknown;
}

interface Session {
  id: string;
  seq: number;
  /** every dispatch of the session, for RESUME to replay */
  history: Dispatch[];
  socket: WebSocket | undefined;
}

export interface GatewayServerOptions {
  token: string;
  heartbeatIntervalMs: number;
  /** the dispatches that follow IDENTIFY: READY, then GUILD_CREATE */
  onIdentify(session: { id: string }): { t: string; d: unknown }[];
}

export interface ConnectionInfo {
  path: string;
  query: Record<string, string>;
}

/**
 * The gateway side of the fake: HELLO on connect, heartbeat ACKs, IDENTIFY → READY (+ GUILD_CREATE),
 * numbered dispatches, and RESUME that replays what the client missed after its last sequence number
 * and then says RESUMED. Dispatches made while the client is away wait in the session's history.
 */
export class GatewayServer {
  readonly wss = new WebSocketServer({ noServer: true });
  identifyCount = 0;
  resumeCount = 0;
  readonly identifies: Record<string, unknown>[] = [];
  readonly resumes: { session_id: string; seq: number | null }[] = [];
  readonly connections: ConnectionInfo[] = [];
  heartbeats = 0;
  /** replay this many dispatches the client already had on the next RESUME (Discord may do so) */
  replayOverlap = 0;
  private readonly sessions = new Map<string, Session>();
  private current: Session | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly o: GatewayServerOptions) {
    this.wss.on("connection", (ws, req: IncomingMessage) => this.onConnection(ws, req));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit("connection", ws, req));
  }

  /** A dispatch to the bot, numbered in its session; held for RESUME when the bot is not connected. */
  dispatch(t: string, d: unknown): Dispatch {
    const s = this.current;
    if (!s) throw new Error("fake Discord: no gateway session yet (has the bot identified?)");
    const p: Dispatch = { op: Op.Dispatch, t, s: ++s.seq, d };
    s.history.push(p);
    if (s.socket && s.socket.readyState === s.socket.OPEN) s.socket.send(JSON.stringify(p));
    this.changed();
    return p;
  }

  /** Sends an earlier dispatch again under a new sequence number, as a redelivery after a restart would. */
  redeliver(match: (d: Dispatch) => boolean): Dispatch {
    const earlier =
      this.current?.history.find(match) ?? [...this.sessions.values()].flatMap((s) => s.history).find(match);
    if (!earlier) throw new Error("fake Discord: no such dispatch to redeliver");
    return this.dispatch(earlier.t, earlier.d);
  }

  get connected(): boolean {
    return this.current?.socket?.readyState === 1;
  }

  get sessionId(): string | undefined {
    return this.current?.id;
  }

  /**
   * "op7": tells the bot to reconnect (it resumes). "drop": closes the connection with 4000 as a
   * network fault would (it resumes). Dispatches made before the bot is back are replayed on RESUME.
   */
  forceReconnect(how: "op7" | "drop" = "drop"): void {
    const s = this.current;
    const socket = s?.socket;
    if (!s || !socket) throw new Error("fake Discord: the bot is not connected");
    s.socket = undefined;
    if (how === "op7") socket.send(JSON.stringify({ op: Op.Reconnect, d: null, s: null, t: null }));
    else socket.close(4000, "Unknown error");
    this.changed();
  }

  /** INVALID_SESSION: resumable=false makes the bot identify anew. */
  invalidateSession(resumable = false): void {
    const socket = this.current?.socket;
    if (!resumable && this.current) this.sessions.delete(this.current.id);
    socket?.send(JSON.stringify({ op: Op.InvalidSession, d: resumable, s: null, t: null }));
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private changed() {
    for (const fn of this.listeners) fn();
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? "/", "http://fake");
    this.connections.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    if (url.searchParams.get("v") !== "10") {
      ws.close(4012, "Invalid API version");
      return;
    }
    if (url.searchParams.get("encoding") !== "json") {
      ws.close(4002, "Decode error");
      return;
    }
    let authed = false;
    const send = (p: unknown) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(p));
    send({
      op: Op.Hello,
      d: { heartbeat_interval: this.o.heartbeatIntervalMs, _trace: [] },
      s: null,
      t: null,
    });

    ws.on("message", (raw) => {
      let p: { op?: number; d?: unknown };
      try {
        p = JSON.parse(raw.toString());
      } catch {
        ws.close(4002, "Decode error");
        return;
      }
      switch (p.op) {
        case Op.Heartbeat:
          this.heartbeats += 1;
          send({ op: Op.HeartbeatAck, d: null, s: null, t: null });
          return;
        case Op.Identify: {
          if (authed) return ws.close(4005, "Already authenticated");
          const d = (p.d ?? {}) as Record<string, unknown>;
          if (d.token !== this.o.token) return ws.close(4004, "Authentication failed");
          authed = true;
          this.identifyCount += 1;
          this.identifies.push({ ...d, token: "[checked]" });
          const session: Session = { id: randomBytes(16).toString("hex"), seq: 0, history: [], socket: ws };
          this.sessions.set(session.id, session);
          if (this.current?.socket && this.current.socket !== ws)
            this.current.socket.close(4009, "Session replaced");
          this.current = session;
          for (const e of this.o.onIdentify(session)) this.dispatch(e.t, e.d);
          return;
        }
        case Op.Resume: {
          const d = (p.d ?? {}) as { token?: string; session_id?: string; seq?: number | null };
          this.resumeCount += 1;
          this.resumes.push({ session_id: String(d.session_id), seq: d.seq ?? null });
          const session = d.session_id ? this.sessions.get(d.session_id) : undefined;
          if (d.token !== this.o.token) return ws.close(4004, "Authentication failed");
          if (!session) {
            send({ op: Op.InvalidSession, d: false, s: null, t: null });
            return;
          }
          authed = true;
          session.socket = ws;
          this.current = session;
          const from = Math.max(0, (d.seq ?? 0) - this.replayOverlap);
          this.replayOverlap = 0;
          for (const missed of session.history.filter((e) => e.s > from)) send(missed);
          this.dispatch("RESUMED", { _trace: [] });
          return;
        }
        case Op.PresenceUpdate:
        case Op.RequestGuildMembers:
          return;
        default:
          ws.close(4001, "Unknown opcode");
      }
    });
    ws.on("close", () => {
      for (const s of this.sessions.values()) if (s.socket === ws) s.socket = undefined;
      this.changed();
    });
  }
}
