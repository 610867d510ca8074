// Pure: an OpenAI chat-completions request, as voice platforms send it to a "custom LLM", read
// as one turn of a conversation. Unknown fields (tools, call, metadata, temperature...) are ignored.

import { createHash } from "node:crypto";
import { HubError } from "../../src/errors.ts";

export interface CompletionTurn {
  /** the last user message's words; undefined when there is none yet (assistant speaks first) */
  text: string | undefined;
  /** the conversation: call.id, X-Session-ID, user, metadata.session_id, else a hash of the first messages */
  session: string;
  sessionSource: "call" | "header" | "user" | "metadata" | "hash";
  /** stable for a platform's retry of this turn, different for the same words in a later turn */
  messageId: string;
  /** the caller's phone number when the platform says it (Vapi: customer.number) */
  callerNumber: string | undefined;
  stream: boolean;
  includeUsage: boolean;
  model: string | undefined;
  /** a rough prompt size, for the usage block */
  promptChars: number;
}

type Json = Record<string, unknown>;

/** messages before the last user message that identify its turn */
const TURN_CONTEXT = 4;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === "string" && v.trim().length > 0 ? v.trim() : undefined);
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** A session id as given, bounded and printable. */
export function cleanSessionId(v: unknown): string | undefined {
  const s = typeof v === "number" && Number.isFinite(v) ? String(v) : str(v);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  const clean = s?.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, 200);
  return clean && clean.length > 0 ? clean : undefined;
}

/** A message's text: a string, or the text parts of an array of parts. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((p) => {
      if (typeof p === "string") return p;
      if (isObject(p) && typeof p.text === "string") return p.text;
      return "";
    })
    .filter((t) => t.length > 0)
    .join(" ");
}

export interface ReadOptions {
  /** X-Session-ID */
  headerSession: string | undefined;
  now: Date;
  /** hashed sessions are cut into windows this long, so the same first words on another day are a new call */
  hashedSessionMs: number;
}

/** Throws HubError("validation") when the body is not a chat-completions request. */
export function readCompletionRequest(body: unknown, o: ReadOptions): CompletionTurn {
  if (!isObject(body)) throw new HubError("validation", "The body must be a JSON object with `messages`.");
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new HubError("validation", "`messages` must be a non-empty array of {role, content}.");
  }
  const list = messages.filter(isObject);
  if (list.length !== messages.length) throw new HubError("validation", "Every message must be an object.");

  let userCount = 0;
  let lastUser: { index: number; at: number; text: string } | undefined;
  list.forEach((m, at) => {
    if (m.role !== "user") return;
    userCount++;
    lastUser = { index: userCount, at, text: contentText(m.content).trim() };
  });
  // The turn is the last user message with what came just before it: a retry sends the same,
  // the same words later in the call (even with a trimmed history) come after other messages.
  const tail = lastUser
    ? list
        .slice(Math.max(0, lastUser.at - TURN_CONTEXT), lastUser.at + 1)
        .map((m) => `${String(m.role)}:${contentText(m.content)}`)
        .join("\n")
    : "";

  const call = isObject(body.call) ? body.call : undefined;
  const metadata = isObject(body.metadata) ? body.metadata : undefined;
  const fromCall = cleanSessionId(call?.id);
  const fromHeader = cleanSessionId(o.headerSession);
  const fromUser = cleanSessionId(body.user);
  const fromMeta = cleanSessionId(metadata?.session_id ?? metadata?.sessionId);
  let session: string;
  let sessionSource: CompletionTurn["sessionSource"];
  if (fromCall) [session, sessionSource] = [fromCall, "call"];
  else if (fromHeader) [session, sessionSource] = [fromHeader, "header"];
  else if (fromUser) [session, sessionSource] = [fromUser, "user"];
  else if (fromMeta) [session, sessionSource] = [fromMeta, "metadata"];
  else {
    // The first system message and the first user message identify the call; the time window
    // keeps two calls that start with the same words on different days apart.
    const first = [list.find((m) => m.role === "system"), list.find((m) => m.role === "user")]
      .map((m) => (m ? `${m.role}:${contentText(m.content)}` : ""))
      .join("\n");
    const window = Math.floor(o.now.getTime() / o.hashedSessionMs);
    session = `h-${sha(`${first}\n${window}`).slice(0, 20)}`;
    sessionSource = "hash";
  }

  const customer = isObject(body.customer)
    ? body.customer
    : isObject(call?.customer)
      ? call.customer
      : undefined;
  const callerNumber = str(customer?.number);
  const streamOptions = isObject(body.stream_options) ? body.stream_options : undefined;
  const text = lastUser?.text;
  return {
    text: text && text.length > 0 ? text : undefined,
    session,
    sessionSource,
    messageId: `oai:${sha(session).slice(0, 16)}:${lastUser?.index ?? 0}:${sha(tail).slice(0, 16)}`,
    callerNumber: callerNumber && /^\+?[\d\s().-]{6,20}$/.test(callerNumber) ? callerNumber : undefined,
    stream: body.stream === true,
    includeUsage: body.stream === true && streamOptions?.include_usage === true,
    model: str(body.model),
    promptChars: list.reduce((n, m) => n + contentText(m.content).length, 0),
  };
}
