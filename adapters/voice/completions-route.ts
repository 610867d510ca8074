import { randomUUID } from "node:crypto";
import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HubError } from "../../src/errors.ts";
import { type CompletionTurn, readCompletionRequest } from "./openai-request.ts";
import {
  type CompletionMeta,
  estimateUsage,
  firstChunk,
  modelList,
  restOfStream,
  SSE_DONE,
  sseData,
  toCompletion,
} from "./openai-response.ts";
import { tokenSpeaker, type VoiceRouteContext } from "./route-context.ts";
import { guardSpeech } from "./speech-guard.ts";
import { GREETING } from "./twiml.ts";
import type { VoiceTurn } from "./voice-turn.ts";

export const COMPLETION_PATHS = [
  "/v1/chat/completions",
  "/chat/completions",
  "/openai/v1/chat/completions",
] as const;
export const MODEL_PATHS = ["/v1/models", "/openai/v1/models"] as const;

const APOLOGY = "Something went wrong on my side, and nothing was changed. Please try again in a moment.";

/**
 * The OpenAI-compatible surface voice platforms use as a "custom LLM": the last user message is
 * the utterance; with `stream: true` the role chunk goes out at once, the answer follows as
 * sentences, then the stop chunk, the usage chunk when asked, and `[DONE]`.
 */
export function registerCompletionRoutes(app: FastifyInstance, ctx: VoiceRouteContext) {
  const created = Math.floor(ctx.now().getTime() / 1000);
  for (const path of MODEL_PATHS) {
    app.get(path, { onRequest: ctx.requireToken }, async () => modelList(ctx.tuning.modelId, created));
  }
  for (const path of COMPLETION_PATHS) {
    app.post(path, { onRequest: ctx.requireToken }, (req, reply) => complete(ctx, req, reply));
  }
}

function turnFor(ctx: VoiceRouteContext, t: CompletionTurn): Promise<VoiceTurn> {
  if (t.text === undefined) {
    // The platform wants the first words before the person said anything.
    return Promise.resolve({
      speech: guardSpeech(GREETING),
      actions: [],
      awaitingConfirmation: false,
      endCall: false,
      intent: "greeting",
    });
  }
  return ctx.runner.run({
    channel: "voice",
    ...tokenSpeaker(ctx.config, t.callerNumber),
    conversation: t.session,
    text: t.text,
    messageId: t.messageId,
    receivedAt: ctx.now(),
  });
}

async function complete(ctx: VoiceRouteContext, req: FastifyRequest, reply: FastifyReply) {
  const header = req.headers["x-session-id"];
  const t = readCompletionRequest(req.body, {
    headerSession: typeof header === "string" ? header : undefined,
    now: ctx.now(),
    hashedSessionMs: ctx.tuning.hashedSessionMs,
  });
  if (!ctx.running())
    throw new HubError("unavailable", "The voice channel is not started yet; retry shortly");
  const meta: CompletionMeta = {
    id: `chatcmpl-${randomUUID().replaceAll("-", "")}`,
    model: t.model ?? ctx.tuning.modelId,
    created: Math.floor(ctx.now().getTime() / 1000),
  };
  reply.header("x-session-id", t.session);

  if (!t.stream) {
    const turn = await turnFor(ctx, t);
    return toCompletion(turn, meta, estimateUsage(t.promptChars, turn.speech));
  }

  const out = new PassThrough();
  out.write(sseData(firstChunk(meta)));
  const finish = (turn: VoiceTurn) => {
    const usage = t.includeUsage ? estimateUsage(t.promptChars, turn.speech) : undefined;
    for (const c of restOfStream(turn, meta, usage)) out.write(sseData(c));
    out.end(SSE_DONE);
  };
  turnFor(ctx, t).then(finish, (e: unknown) => {
    ctx.log.error(
      { err: e instanceof Error ? e.message : String(e), session: t.session },
      "voice turn failed mid-stream",
    );
    finish({ speech: APOLOGY, actions: [], awaitingConfirmation: false, endCall: false, intent: "error" });
  });
  return reply
    .header("content-type", "text/event-stream; charset=utf-8")
    .header("cache-control", "no-cache, no-transform")
    .header("x-accel-buffering", "no")
    .send(out);
}
