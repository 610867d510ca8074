import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { InlineKeyboardMarkup, Message, MessageEntity, Update } from "grammy/types";

/**
 * A protocol-level fake of the Telegram Bot API (https://core.telegram.org/bots/api) on
 * 127.0.0.1:<random port>: `/bot<token>/<method>` with JSON, form or query parameters, and
 * `/file/bot<token>/<path>` downloads. It keeps Telegram's rules that matter to a bot:
 * getUpdates offsets confirm and drop older updates, a long poll returns as soon as an update
 * arrives, a second poller terminates the first with 409, getUpdates is refused while a webhook is
 * set, HTML parse mode is parsed (bad markup and >4096 characters are refused), callback_data is at
 * most 64 bytes. Any method can be scripted to fail (429 with retry_after, 409, 5xx).
 */

export interface FakeError {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export const tooManyRequests = (retryAfter: number): FakeError => ({
  error_code: 429,
  description: `Too Many Requests: retry after ${retryAfter}`,
  parameters: { retry_after: retryAfter },
});
export const CONFLICT_OTHER_POLLER =
  "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";
export const CONFLICT_WEBHOOK =
  "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
export const conflict = (description = CONFLICT_OTHER_POLLER): FakeError => ({
  error_code: 409,
  description,
});

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
}

export interface SentMessage {
  message_id: number;
  chat_id: number;
  /** the text exactly as the bot sent it */
  text: string;
  /** what the person sees: tags removed, entities decoded (HTML parse mode) */
  plain: string;
  parse_mode: string | undefined;
  reply_markup: InlineKeyboardMarkup | undefined;
  reply_to: number | undefined;
  at: number;
}

export interface WebhookRegistration {
  url: string;
  secretToken: string | undefined;
  allowedUpdates: string[] | undefined;
}

export interface PushTextOptions {
  chatType?: "private" | "group" | "supergroup";
  firstName?: string;
  username?: string;
  /** the message replies to this message of the bot (a message id from `sent`) */
  replyToMessageId?: number;
}

export interface FakeTelegram {
  readonly apiRoot: string;
  readonly token: string;
  readonly bot: { id: number; username: string; first_name: string };
  readonly calls: ApiCall[];
  readonly sent: SentMessage[];
  readonly callbackAnswers: { callback_query_id: string; text: string | undefined; at: number }[];
  readonly edits: { chat_id: number; message_id: number; reply_markup: InlineKeyboardMarkup | undefined }[];
  readonly commands: { command: string; description: string }[];
  readonly webhook: WebhookRegistration | undefined;
  /** 409s sent to a poller that was cut off by a newer getUpdates */
  readonly pollerConflicts: number;
  /** updates Telegram still holds (not confirmed by an offset) */
  pendingUpdates(): Update[];
  pushUpdate(update: Omit<Update, "update_id"> & { update_id?: number }): Update;
  pushText(chatId: number, userId: number, text: string, opts?: PushTextOptions): Update;
  pushVoice(
    chatId: number,
    userId: number,
    audio: Uint8Array,
    opts?: {
      mimeType?: string;
      duration?: number;
      asAudio?: boolean;
      chatType?: PushTextOptions["chatType"];
    },
  ): Update;
  pushCallback(chatId: number, userId: number, data: string, opts?: { messageId?: number }): Update;
  /** offers an update again, even one already confirmed (what a crash between handling and confirming looks like) */
  redeliver(update: Update): void;
  /** the next `times` calls of `method` fail with `error` */
  failNext(method: string, error: FakeError, times?: number): void;
  /** sendMessage to this chat answers 403 "Forbidden: bot was blocked by the user" */
  blockChat(chatId: number): void;
  waitForMessage(match?: (m: SentMessage) => boolean, timeoutMs?: number): Promise<SentMessage>;
  waitForCall(method: string, match?: (c: ApiCall) => boolean, timeoutMs?: number): Promise<ApiCall>;
  /** Telegram delivering an update to the registered webhook; `secret: null` sends no header */
  postWebhook(
    update: Omit<Update, "update_id"> & { update_id?: number },
    secret?: string | null,
  ): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

const ALLOWED_TAGS = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "span",
  "tg-spoiler",
  "a",
  "code",
  "pre",
  "blockquote",
  "tg-emoji",
]);

/** Telegram's HTML parse mode: the visible text, or the error Telegram answers with. */
export function parseTelegramHtml(html: string): { ok: true; text: string } | { ok: false; error: string } {
  let out = "";
  const stack: string[] = [];
  for (let i = 0; i < html.length; ) {
    const c = html[i];
    if (c === "<") {
      const m = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:="[^"<>]*"|='[^'<>]*')?)*)\s*>/.exec(
        html.slice(i),
      );
      const tag = m?.[2]?.toLowerCase();
      if (!m || !tag || !ALLOWED_TAGS.has(tag)) {
        return {
          ok: false,
          error: `Bad Request: can't parse entities: Unsupported start tag at byte offset ${i}`,
        };
      }
      if (m[1]) {
        if (stack.pop() !== tag) {
          return {
            ok: false,
            error: `Bad Request: can't parse entities: Unmatched end tag at byte offset ${i}`,
          };
        }
      } else stack.push(tag);
      i += m[0].length;
    } else if (c === "&") {
      const m = /^&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/.exec(html.slice(i));
      if (!m?.[1]) {
        return {
          ok: false,
          error: `Bad Request: can't parse entities: Can't find end of the entity starting at byte offset ${i}`,
        };
      }
      const e = m[1];
      out +=
        e === "lt"
          ? "<"
          : e === "gt"
            ? ">"
            : e === "amp"
              ? "&"
              : e === "quot"
                ? '"'
                : String.fromCodePoint(
                    e.startsWith("#x") ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)),
                  );
      i += m[0].length;
    } else if (c === ">") {
      return {
        ok: false,
        error: `Bad Request: can't parse entities: Unexpected end tag at byte offset ${i}`,
      };
    } else {
      out += c;
      i += 1;
    }
  }
  if (stack.length > 0) return { ok: false, error: "Bad Request: can't parse entities: Unclosed start tag" };
  return { ok: true, text: out };
}

class ApiFailure extends Error {
  constructor(readonly failure: FakeError) {
    super(failure.description);
  }
}
const bad = (description: string) =>
  new ApiFailure({ error_code: 400, description: `Bad Request: ${description}` });

export async function startFakeTelegram(
  opts: { token?: string; botId?: number; botUsername?: string } = {},
): Promise<FakeTelegram> {
  const botId = opts.botId ?? 7_000_000_001;
  const token = opts.token ?? `${botId}:AAH-fake-token-for-tests-0123456789ab`;
  const bot = { id: botId, username: opts.botUsername ?? "agentops_test_bot", first_name: "AgentOps" };
  const events = new EventEmitter();
  events.setMaxListeners(100);

  const calls: ApiCall[] = [];
  const sent: SentMessage[] = [];
  const callbackAnswers: FakeTelegram["callbackAnswers"] = [];
  const edits: FakeTelegram["edits"] = [];
  let commands: FakeTelegram["commands"] = [];
  let webhook: WebhookRegistration | undefined;
  let queue: Update[] = [];
  let nextUpdateId = 500_000_000;
  let nextMessageId = 1;
  let nextFileId = 1;
  let pollerConflicts = 0;
  let allowedUpdates: string[] | undefined;
  const files = new Map<string, { path: string; data: Uint8Array }>();
  const callbackIds = new Set<string>();
  const scripted = new Map<string, FakeError[]>();
  const blocked = new Set<number>();
  let pendingPoll: { wake: () => void; fail: (e: FakeError) => void } | undefined;

  const userFor = (userId: number, o: PushTextOptions = {}) => ({
    id: userId,
    is_bot: false,
    first_name: o.firstName ?? "Ada",
    ...(o.username ? { username: o.username } : {}),
    language_code: "en",
  });
  const chatFor = (chatId: number, o: PushTextOptions = {}) =>
    (o.chatType ?? "private") === "private"
      ? { id: chatId, type: "private" as const, first_name: o.firstName ?? "Ada" }
      : { id: chatId, type: o.chatType as "group" | "supergroup", title: "Team" };

  function enqueue(partial: Omit<Update, "update_id"> & { update_id?: number }): Update {
    const update = { ...partial, update_id: partial.update_id ?? nextUpdateId++ } as Update;
    if (update.update_id >= nextUpdateId) nextUpdateId = update.update_id + 1;
    queue.push(update);
    queue.sort((a, b) => a.update_id - b.update_id);
    pendingPoll?.wake();
    return update;
  }

  function botMessageStub(chatId: number, messageId: number): Message {
    const m = sent.find((s) => s.chat_id === chatId && s.message_id === messageId);
    return {
      message_id: messageId,
      date: Math.floor((m?.at ?? Date.now()) / 1000),
      chat: { id: chatId, type: "private", first_name: "Ada" },
      from: { id: bot.id, is_bot: true, first_name: bot.first_name, username: bot.username },
      text: m?.plain ?? "…",
      ...(m?.reply_markup ? { reply_markup: m.reply_markup } : {}),
    } as Message;
  }

  function entitiesOf(text: string): MessageEntity[] {
    const out: MessageEntity[] = [];
    const cmd = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    if (cmd) out.push({ type: "bot_command", offset: 0, length: cmd[0].length });
    for (const m of text.matchAll(/(^|[^A-Za-z0-9_/])(@[A-Za-z0-9_]{3,})/g)) {
      out.push({ type: "mention", offset: (m.index ?? 0) + (m[1]?.length ?? 0), length: m[2]?.length ?? 0 });
    }
    return out;
  }

  // --- methods -------------------------------------------------------------------------------

  const num = (v: unknown, what: string): number => {
    const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
    if (typeof n !== "number" || !Number.isFinite(n)) throw bad(`${what} is required`);
    return n;
  };

  function getUpdates(p: Record<string, unknown>, res: ServerResponse) {
    if (webhook) throw new ApiFailure(conflict(CONFLICT_WEBHOOK));
    if (pendingPoll) {
      pollerConflicts += 1;
      pendingPoll.fail(conflict());
    }
    if (p.allowed_updates !== undefined) allowedUpdates = p.allowed_updates as string[];
    const offset = p.offset === undefined ? undefined : num(p.offset, "offset");
    const limit = p.limit === undefined ? 100 : num(p.limit, "limit");
    const timeout = p.timeout === undefined ? 0 : num(p.timeout, "timeout");
    if (offset !== undefined && offset > 0) queue = queue.filter((u) => u.update_id >= offset);
    const select = () => {
      let list = queue;
      if (offset !== undefined && offset < 0) list = list.slice(offset);
      if (allowedUpdates && allowedUpdates.length > 0) {
        const allowed = allowedUpdates;
        list = list.filter((u) => Object.keys(u).some((k) => k !== "update_id" && allowed.includes(k)));
      }
      return list.slice(0, Math.max(1, Math.min(100, limit)));
    };
    const now = select();
    if (now.length > 0 || timeout <= 0) return reply(res, 200, { ok: true, result: now });

    let done = false;
    const finish = (status: number, body: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (pendingPoll === poll) pendingPoll = undefined;
      res.off("close", onClose);
      reply(res, status, body);
    };
    const poll = {
      wake: () => {
        const list = select();
        if (list.length > 0) finish(200, { ok: true, result: list });
      },
      fail: (e: FakeError) => finish(e.error_code, { ok: false, ...e }),
    };
    const onClose = () => {
      if (!res.writableEnded) {
        done = true;
        clearTimeout(timer);
        if (pendingPoll === poll) pendingPoll = undefined;
      }
    };
    const timer = setTimeout(() => finish(200, { ok: true, result: [] }), timeout * 1000);
    // The response's close is the client going away (IncomingMessage's close only means the body was read).
    res.on("close", onClose);
    pendingPoll = poll;
  }

  function validateMarkup(markup: unknown): InlineKeyboardMarkup | undefined {
    if (markup === undefined) return undefined;
    const m = (typeof markup === "string" ? JSON.parse(markup) : markup) as InlineKeyboardMarkup;
    if (!Array.isArray(m.inline_keyboard)) throw bad('field "inline_keyboard" must be an Array');
    for (const row of m.inline_keyboard) {
      if (!Array.isArray(row)) throw bad('field "inline_keyboard" must be an Array of Arrays');
      for (const b of row) {
        if (!b.text) throw bad("text buttons are unallowed in the inline keyboard");
        if ("callback_data" in b) {
          const bytes = Buffer.byteLength(String(b.callback_data), "utf8");
          if (bytes < 1 || bytes > 64) throw bad("BUTTON_DATA_INVALID");
        }
      }
    }
    return m;
  }

  function sendMessage(p: Record<string, unknown>): Message {
    const chatId = num(p.chat_id, "chat_id");
    if (blocked.has(chatId))
      throw new ApiFailure({ error_code: 403, description: "Forbidden: bot was blocked by the user" });
    const text = typeof p.text === "string" ? p.text : "";
    const parseMode = typeof p.parse_mode === "string" ? p.parse_mode : undefined;
    let plain = text;
    if (parseMode === "HTML") {
      const parsed = parseTelegramHtml(text);
      if (!parsed.ok) throw new ApiFailure({ error_code: 400, description: parsed.error });
      plain = parsed.text;
    } else if (parseMode !== undefined) throw bad(`unsupported parse_mode ${parseMode} in this fake`);
    if (plain.trim().length === 0) throw bad("message text is empty");
    if (plain.length > 4096) throw bad("message is too long");
    const markup = validateMarkup(p.reply_markup);
    const rp = (
      typeof p.reply_parameters === "string" ? JSON.parse(p.reply_parameters) : p.reply_parameters
    ) as { message_id?: number } | undefined;
    const msg: SentMessage = {
      message_id: nextMessageId++,
      chat_id: chatId,
      text,
      plain,
      parse_mode: parseMode,
      reply_markup: markup,
      reply_to: rp?.message_id,
      at: Date.now(),
    };
    sent.push(msg);
    events.emit("message", msg);
    return botMessageStub(chatId, msg.message_id);
  }

  function editMessageReplyMarkup(p: Record<string, unknown>): Message {
    const chatId = num(p.chat_id, "chat_id");
    const messageId = num(p.message_id, "message_id");
    const m = sent.find((s) => s.chat_id === chatId && s.message_id === messageId);
    if (!m) throw bad("message to edit not found");
    const markup = validateMarkup(p.reply_markup);
    const empty = (k: InlineKeyboardMarkup | undefined) =>
      !k || k.inline_keyboard.every((r) => r.length === 0);
    if (
      (empty(markup) && empty(m.reply_markup)) ||
      JSON.stringify(markup) === JSON.stringify(m.reply_markup)
    ) {
      throw bad(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    }
    m.reply_markup = empty(markup) ? undefined : markup;
    edits.push({ chat_id: chatId, message_id: messageId, reply_markup: markup });
    return botMessageStub(chatId, messageId);
  }

  function handle(method: string, p: Record<string, unknown>, res: ServerResponse) {
    const ok = (result: unknown) => reply(res, 200, { ok: true, result });
    switch (method) {
      case "getMe":
        return ok({
          ...bot,
          is_bot: true,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
          can_connect_to_business: false,
          has_main_web_app: false,
        });
      case "getUpdates":
        return getUpdates(p, res);
      case "sendMessage":
        return ok(sendMessage(p));
      case "editMessageReplyMarkup":
        return ok(editMessageReplyMarkup(p));
      case "answerCallbackQuery": {
        const id = String(p.callback_query_id ?? "");
        if (!callbackIds.has(id)) {
          throw bad("query is too old and response timeout expired or query ID is invalid");
        }
        callbackAnswers.push({
          callback_query_id: id,
          text: typeof p.text === "string" ? p.text : undefined,
          at: Date.now(),
        });
        return ok(true);
      }
      case "getFile": {
        const f = files.get(String(p.file_id ?? ""));
        if (!f) throw bad("invalid file_id");
        return ok({
          file_id: p.file_id,
          file_unique_id: `u${p.file_id}`,
          file_size: f.data.byteLength,
          file_path: f.path,
        });
      }
      case "setWebhook": {
        const url = String(p.url ?? "");
        const secret = p.secret_token === undefined ? undefined : String(p.secret_token);
        if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
          throw bad("secret token contains unallowed characters");
        }
        if (url === "") {
          webhook = undefined;
          return ok(true);
        }
        if (!/^https?:\/\//.test(url)) throw bad("bad webhook: An HTTPS URL must be provided for webhook");
        webhook = { url, secretToken: secret, allowedUpdates: p.allowed_updates as string[] | undefined };
        pendingPoll?.fail(conflict(CONFLICT_WEBHOOK));
        return ok(true);
      }
      case "deleteWebhook":
        webhook = undefined;
        if (p.drop_pending_updates === true || p.drop_pending_updates === "true") queue = [];
        return ok(true);
      case "getWebhookInfo":
        return ok({
          url: webhook?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: queue.length,
        });
      case "setMyCommands": {
        const list = (
          typeof p.commands === "string" ? JSON.parse(p.commands) : p.commands
        ) as FakeTelegram["commands"];
        if (!Array.isArray(list)) throw bad('field "commands" must be an Array');
        for (const c of list) {
          if (!/^[a-z0-9_]{1,32}$/.test(c.command)) throw bad("BOT_COMMAND_INVALID");
          if (!c.description || c.description.length > 256)
            throw bad("command description is empty or too long");
        }
        commands = list;
        return ok(true);
      }
      case "sendChatAction":
        return ok(true);
      default:
        throw new ApiFailure({ error_code: 404, description: "Not Found: method not found" });
    }
  }

  // --- http ----------------------------------------------------------------------------------

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const body = await readBody(req);
      const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
      if (file) {
        const f = [...files.values()].find((x) => x.path === decodeURI(file[2] ?? ""));
        if (file[1] !== token || !f)
          return reply(res, 404, { ok: false, error_code: 404, description: "Not Found" });
        res.writeHead(200, {
          "content-type": "application/octet-stream",
          "content-length": f.data.byteLength,
        });
        return res.end(f.data);
      }
      const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
      if (!m) return reply(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      if (m[1] !== token) return reply(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
      const method = m[2] ?? "";
      let params: Record<string, unknown>;
      try {
        params = parseParams(url, req.headers["content-type"], body);
      } catch {
        return reply(res, 400, {
          ok: false,
          error_code: 400,
          description: "Bad Request: can't parse request",
        });
      }
      const call = { method, params, at: Date.now() };
      calls.push(call);
      events.emit("call", call);
      const script = scripted.get(method);
      const failure = script?.shift();
      if (failure) return reply(res, failure.error_code, { ok: false, ...failure });
      try {
        handle(method, params, res);
      } catch (e) {
        const f =
          e instanceof ApiFailure
            ? e.failure
            : { error_code: 500, description: `Internal Server Error: ${e}` };
        reply(res, f.error_code, { ok: false, ...f });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  function waitFor<T>(
    event: string,
    existing: T[],
    match: (v: T) => boolean,
    timeoutMs: number,
    what: string,
  ) {
    const found = existing.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        events.off(event, on);
        reject(new Error(`fake telegram: timed out waiting for ${what}`));
      }, timeoutMs);
      const on = (v: T) => {
        if (!match(v)) return;
        clearTimeout(timer);
        events.off(event, on);
        resolve(v);
      };
      events.on(event, on);
    });
  }

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    bot,
    calls,
    sent,
    callbackAnswers,
    edits,
    get commands() {
      return commands;
    },
    get webhook() {
      return webhook;
    },
    get pollerConflicts() {
      return pollerConflicts;
    },
    pendingUpdates: () => [...queue],
    pushUpdate: enqueue,
    pushText(chatId, userId, text, o = {}) {
      const message = {
        message_id: nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat: chatFor(chatId, o),
        from: userFor(userId, o),
        text,
        ...(entitiesOf(text).length > 0 ? { entities: entitiesOf(text) } : {}),
        ...(o.replyToMessageId ? { reply_to_message: botMessageStub(chatId, o.replyToMessageId) } : {}),
      } as unknown as Message;
      return enqueue({ message } as Omit<Update, "update_id">);
    },
    pushVoice(chatId, userId, audio, o = {}) {
      const id = `AwACAgIAAxkBAAI${nextFileId++}`;
      const path = o.asAudio ? `music/file_${nextFileId}.mp3` : `voice/file_${nextFileId}.oga`;
      files.set(id, { path, data: audio });
      const media = {
        file_id: id,
        file_unique_id: `AgAD${nextFileId}`,
        duration: o.duration ?? 4,
        mime_type: o.mimeType ?? (o.asAudio ? "audio/mpeg" : "audio/ogg"),
        file_size: audio.byteLength,
      };
      const message = {
        message_id: nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat: chatFor(chatId, o.chatType ? { chatType: o.chatType } : {}),
        from: userFor(userId),
        ...(o.asAudio ? { audio: media } : { voice: media }),
      } as unknown as Message;
      return enqueue({ message } as Omit<Update, "update_id">);
    },
    pushCallback(chatId, userId, data, o = {}) {
      const id = `${BigInt(userId) * 1000n + BigInt(nextUpdateId)}`;
      callbackIds.add(id);
      const messageId = o.messageId ?? sent.filter((s) => s.chat_id === chatId).at(-1)?.message_id ?? 1;
      return enqueue({
        callback_query: {
          id,
          from: userFor(userId),
          message: botMessageStub(chatId, messageId),
          chat_instance: `-${chatId}`,
          data,
        },
      } as Omit<Update, "update_id">);
    },
    redeliver(update) {
      if (update.callback_query) callbackIds.add(update.callback_query.id);
      queue.push(update);
      queue.sort((a, b) => a.update_id - b.update_id);
      pendingPoll?.wake();
    },
    failNext(method, error, times = 1) {
      const list = scripted.get(method) ?? [];
      for (let i = 0; i < times; i++) list.push(error);
      scripted.set(method, list);
    },
    blockChat(chatId) {
      blocked.add(chatId);
    },
    waitForMessage: (match = () => true, timeoutMs = 10_000) =>
      waitFor("message", sent, match, timeoutMs, "a message"),
    waitForCall: (method, match = () => true, timeoutMs = 10_000) =>
      waitFor<ApiCall>("call", calls, (c) => c.method === method && match(c), timeoutMs, `a ${method} call`),
    async postWebhook(partial, secret) {
      if (!webhook) throw new Error("fake telegram: no webhook is set");
      const update = { ...partial, update_id: partial.update_id ?? nextUpdateId++ };
      if (update.callback_query) callbackIds.add(update.callback_query.id);
      const header = secret === undefined ? webhook.secretToken : secret;
      const res = await fetch(webhook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(header === null || header === undefined ? {} : { "x-telegram-bot-api-secret-token": header }),
        },
        body: JSON.stringify(update),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      return { status: res.status, body };
    },
    async close() {
      pendingPoll?.fail({ error_code: 502, description: "Bad Gateway" });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(res: ServerResponse, status: number, body: unknown) {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Parameters from the query string, a JSON body or a form body (JSON-looking form values parsed). */
function parseParams(url: URL, contentType: string | undefined, body: Buffer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fromPairs = (pairs: URLSearchParams) => {
    for (const [k, v] of pairs)
      out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v === "true" ? true : v === "false" ? false : v;
  };
  fromPairs(url.searchParams);
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (body.length === 0) return out;
  if (type === "application/json") Object.assign(out, JSON.parse(body.toString("utf8")));
  else if (type === "application/x-www-form-urlencoded")
    fromPairs(new URLSearchParams(body.toString("utf8")));
  else throw new Error(`unsupported content type ${type}`);
  return out;
}
