import type { IncomingMessage, ServerResponse } from "node:http";
import { type ApiError, type DiscordStore, type InteractionState, validateMessageBody } from "./store.ts";

export interface RecordedRequest {
  method: string;
  /** path under /api/v10, without the query; interaction tokens left in (it is a test) */
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** the Authorization header had the bot token */
  botAuth: boolean;
}

export interface CommandRegistration {
  scope: "global" | "guild";
  guildId?: string;
  route: string;
  commands: Record<string, unknown>[];
}

export interface InteractionCallback {
  interactionId: string;
  type: number;
  data: Record<string, unknown> | undefined;
}

export interface ForcedFailure {
  method: string;
  path: RegExp;
  status: number;
  /** seconds, for a 429 */
  retryAfter?: number;
}

export interface RestContext {
  store: DiscordStore;
  token: string;
  applicationId: string;
  gatewayUrl(): string;
  requests: RecordedRequest[];
  interactionCallbacks: InteractionCallback[];
  commandRegistrations: CommandRegistration[];
  typing: string[];
  failures: ForcedFailure[];
}

type Body = Record<string, unknown>;
type Result = { status: number; json?: unknown; headers?: Record<string, string> };

const ok = (json: unknown): Result => ({ status: 200, json });
const noContent: Result = { status: 204 };
const error = (e: ApiError): Result => ({
  status: e.status,
  json: { message: e.message, code: e.code, ...(e.errors ? { errors: e.errors } : {}) },
});
const unknownChannel = error({ status: 404, code: 10003, message: "Unknown Channel" });
const unknownMessage = error({ status: 404, code: 10008, message: "Unknown Message" });
const unknownInteraction = error({ status: 404, code: 10062, message: "Unknown interaction" });
const unknownWebhook = error({ status: 404, code: 10015, message: "Unknown Webhook" });

/** The REST half of the fake, under /api/v10: the routes a bot like ours calls, answered as Discord does. */
export async function handleRest(ctx: RestContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://fake");
  const prefix = "/api/v10";
  const raw = await readBody(req);
  let body: unknown;
  try {
    body = raw.length > 0 ? JSON.parse(raw) : undefined;
  } catch {
    return send(res, error({ status: 400, code: 50109, message: "The request body contains invalid JSON." }));
  }
  // Discord decodes the path: discord.js sends "@original" as "%40original".
  const pathname = decodeURIComponent(url.pathname);
  const path = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : pathname;
  const method = req.method ?? "GET";
  const botAuth = req.headers.authorization === `Bot ${ctx.token}`;
  ctx.requests.push({ method, path, query: Object.fromEntries(url.searchParams), body, botAuth });

  if (!url.pathname.startsWith(prefix))
    return send(res, error({ status: 404, code: 0, message: "404: Not Found" }));
  const forced = ctx.failures.findIndex((f) => f.method === method && f.path.test(path));
  if (forced >= 0) {
    const [f] = ctx.failures.splice(forced, 1);
    if (f?.status === 429) {
      const retryAfter = f.retryAfter ?? 0.05;
      return send(res, {
        status: 429,
        json: { message: "You are being rate limited.", retry_after: retryAfter, global: false },
        headers: { "retry-after": String(retryAfter), "x-ratelimit-scope": "user" },
      });
    }
    return send(res, error({ status: f?.status ?? 500, code: 0, message: "forced failure" }));
  }

  const tokenRoute = /^\/(interactions|webhooks)\//.test(path);
  if (!tokenRoute && !botAuth)
    return send(res, error({ status: 401, code: 0, message: "401: Unauthorized" }));
  send(res, route(ctx, method, path, (body ?? {}) as Body));
}

type Handler = (ctx: RestContext, params: string[], body: Body, path: string) => Result;

/** [method, path pattern, handler]: the first match answers. */
const ROUTES: [string, RegExp, Handler][] = [
  [
    "GET",
    /^\/gateway\/bot$/,
    (ctx) =>
      ok({
        url: ctx.gatewayUrl(),
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      }),
  ],
  ["GET", /^\/gateway$/, (ctx) => ok({ url: ctx.gatewayUrl() })],
  ["GET", /^\/users\/@me$/, (ctx) => ok({ ...ctx.store.bot, verified: true, flags: 0 })],
  [
    "POST",
    /^\/users\/@me\/channels$/,
    (ctx, _p, body) => {
      const recipient = typeof body.recipient_id === "string" ? body.recipient_id : "";
      if (!/^\d+$/.test(recipient)) return error({ status: 400, code: 50035, message: "Invalid Form Body" });
      return ok(ctx.store.dmChannelFor(recipient));
    },
  ],
  [
    "GET",
    /^\/channels\/(\d+)$/,
    (ctx, [id]) => {
      const ch = ctx.store.channels.get(id as string);
      return ch ? ok(ch) : unknownChannel;
    },
  ],
  [
    "POST",
    /^\/channels\/(\d+)\/typing$/,
    (ctx, [id]) => {
      if (!ctx.store.channels.has(id as string)) return unknownChannel;
      ctx.typing.push(id as string);
      return noContent;
    },
  ],
  [
    "POST",
    /^\/channels\/(\d+)\/messages$/,
    (ctx, [channelId], body) => {
      const { store } = ctx;
      if (!store.channels.has(channelId as string)) return unknownChannel;
      const invalid = validateMessageBody(body, { creating: true });
      if (invalid) return error(invalid);
      const ref = body.message_reference as { message_id?: string } | undefined;
      const referenced = ref?.message_id ? store.byId.get(ref.message_id) : undefined;
      const reply = referenced
        ? { type: 19, message_reference: { message_id: referenced.id, channel_id: channelId as string } }
        : {};
      return ok(store.botMessage(channelId as string, { ...body, flags: 0 }, reply));
    },
  ],
  [
    "PATCH",
    /^\/channels\/(\d+)\/messages\/(\d+)$/,
    (ctx, [channelId, messageId], body) => {
      const msg = ctx.store.byId.get(messageId as string);
      if (!msg || msg.channel_id !== channelId) return unknownMessage;
      if (msg.author.id !== ctx.store.bot.id) {
        return error({ status: 403, code: 50005, message: "Cannot edit a message authored by another user" });
      }
      const invalid = validateMessageBody(body, { creating: false });
      if (invalid) return error(invalid);
      return ok(ctx.store.editMessage(msg.id, body));
    },
  ],
  [
    "PUT",
    /^\/applications\/(\d+)\/commands$/,
    (ctx, [app], body, path) => registerCommands(ctx, app as string, undefined, path, body),
  ],
  [
    "PUT",
    /^\/applications\/(\d+)\/guilds\/(\d+)\/commands$/,
    (ctx, [app, guild], body, path) => registerCommands(ctx, app as string, guild, path, body),
  ],
  [
    "POST",
    /^\/interactions\/(\d+)\/([^/]+)\/callback$/,
    (ctx, [id, token], body) => interactionCallback(ctx, id as string, token as string, body),
  ],
  [
    "PATCH",
    /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/,
    (ctx, p, body) => original(ctx, p, "PATCH", body),
  ],
  [
    "DELETE",
    /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/,
    (ctx, p, body) => original(ctx, p, "DELETE", body),
  ],
  [
    "GET",
    /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/,
    (ctx, p, body) => original(ctx, p, "GET", body),
  ],
  [
    "POST",
    /^\/webhooks\/(\d+)\/([^/]+)$/,
    (ctx, [app, token], body) => {
      const it = ctx.store.interactions.get(token as string);
      if (!it || it.applicationId !== app || it.responseType === undefined) return unknownWebhook;
      const invalid = validateMessageBody(body, { creating: true });
      if (invalid) return error(invalid);
      return ok(ctx.store.botMessage(it.channelId, body, { interaction_metadata: meta(it) }));
    },
  ],
];

function route(ctx: RestContext, method: string, path: string, body: Body): Result {
  for (const [verb, pattern, handler] of ROUTES) {
    if (verb !== method) continue;
    const m = pattern.exec(path);
    if (m) return handler(ctx, m.slice(1), body, path);
  }
  return error({ status: 404, code: 0, message: "404: Not Found" });
}

/** The interaction's first response, through its webhook: edit, delete or read it. */
function original(ctx: RestContext, [app, token]: string[], method: string, body: Body): Result {
  const { store } = ctx;
  const it = store.interactions.get(token as string);
  if (!it || it.applicationId !== app) return unknownWebhook;
  if (it.responseType === undefined || !it.originalMessageId) return unknownMessage;
  if (method === "DELETE") return store.deleteMessage(it.originalMessageId) ? noContent : unknownMessage;
  if (method === "GET") {
    const msg = store.byId.get(it.originalMessageId);
    return msg ? ok(msg) : unknownMessage;
  }
  const invalid = validateMessageBody(body, { creating: false });
  if (invalid) return error(invalid);
  const edited = store.editMessage(it.originalMessageId, body);
  return edited ? ok(edited) : unknownMessage;
}

function registerCommands(
  ctx: RestContext,
  appId: string,
  guildId: string | undefined,
  route: string,
  body: unknown,
) {
  if (appId !== ctx.applicationId) return error({ status: 403, code: 50001, message: "Missing Access" });
  if (!Array.isArray(body)) return error({ status: 400, code: 50035, message: "Invalid Form Body" });
  const commands = body as Record<string, unknown>[];
  ctx.commandRegistrations.push({
    scope: guildId ? "guild" : "global",
    ...(guildId ? { guildId } : {}),
    route,
    commands,
  });
  return ok(
    commands.map((c) => ({
      ...c,
      id: ctx.store.snowflake(),
      application_id: appId,
      version: ctx.store.snowflake(),
      ...(guildId ? { guild_id: guildId } : {}),
    })),
  );
}

const meta = (it: InteractionState) => ({
  id: it.id,
  type: it.kind === "command" ? 2 : 3,
  user: it.user,
  authorizing_integration_owners: it.guildId ? { "0": it.guildId } : { "1": it.user.id },
  ...(it.sourceMessageId ? { interacted_message_id: it.sourceMessageId } : {}),
});

function interactionCallback(ctx: RestContext, id: string, token: string, body: Body): Result {
  const { store } = ctx;
  const it = store.interactions.get(token);
  if (!it || it.id !== id) return unknownInteraction;
  if (it.responseType !== undefined) {
    return error({ status: 400, code: 40060, message: "Interaction has already been acknowledged." });
  }
  const type = Number(body.type);
  const data = (body.data ?? undefined) as Body | undefined;
  const isButton = it.kind === "button";
  if ((type === 6 || type === 7) && !isButton) {
    return error({ status: 400, code: 50035, message: "Invalid Form Body: interaction response type" });
  }
  if (type === 4) {
    const invalid = validateMessageBody(data ?? {}, { creating: true });
    if (invalid) return error(invalid);
  } else if (type === 7 && data) {
    const invalid = validateMessageBody(data, { creating: false });
    if (invalid) return error(invalid);
  } else if (![5, 6, 7].includes(type)) {
    return error({ status: 400, code: 50035, message: "Invalid Form Body: interaction response type" });
  }
  ctx.interactionCallbacks.push({ interactionId: id, type, data });
  it.responseType = type;
  if (type === 4) {
    it.originalMessageId = store.botMessage(it.channelId, data ?? {}, {
      type: 20,
      interaction_metadata: meta(it),
    }).id;
  } else if (type === 5) {
    it.originalMessageId = store.botMessage(
      it.channelId,
      { content: "", flags: data?.flags },
      { type: 20, flags: 128, interaction_metadata: meta(it) },
    ).id;
  } else {
    it.originalMessageId = it.sourceMessageId;
    if (type === 7 && it.sourceMessageId && data) store.editMessage(it.sourceMessageId, data);
  }
  return noContent;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, r: Result): void {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (r.json === undefined) {
    res.writeHead(r.status, headers).end();
    return;
  }
  headers["content-type"] = "application/json";
  res.writeHead(r.status, headers).end(JSON.stringify(r.json));
}
