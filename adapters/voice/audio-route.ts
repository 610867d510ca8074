import { createHash, randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HubError, isHubError } from "../../src/errors.ts";
import { cleanSessionId } from "./openai-request.ts";
import { tokenSpeaker, type VoiceRouteContext } from "./route-context.ts";
import { chatResponse } from "./voice-turn.ts";

export const AUDIO_PATH = "/v1/voice/audio";
export const NO_WORDS = "I couldn't make out any words. Could you say that again?";

/** Types sent as the raw body; Deepgram detects the container (WAV, Ogg/Opus, MP3, WebM...). */
export const AUDIO_CONTENT_TYPE = /^(?:audio\/[a-z0-9.+-]+|video\/webm)\s*(?:;.*)?$/i;

export const unsupportedAudio = () =>
  new HubError(
    "unsupported_media_type",
    "Send the recording as the raw body with an audio Content-Type: audio/wav, audio/ogg, audio/mpeg or audio/webm",
  );

export const audioTooLarge = (limit: number) =>
  new HubError(
    "payload_too_large",
    `The audio is larger than the limit of ${Math.round(limit / 1024 / 1024)} MB (${limit} bytes): send a shorter recording`,
    { details: { limitBytes: limit } },
  );

/** The media type Deepgram is told, without parameters: video/webm from a browser is audio/webm. */
function mimeOf(req: FastifyRequest): string {
  const ct =
    String(req.headers["content-type"] ?? "")
      .split(";")[0]
      ?.trim()
      .toLowerCase() ?? "";
  return ct === "video/webm" ? "audio/webm" : ct;
}

/**
 * `POST /v1/voice/audio`: a recording (raw body) → Deepgram (nova-3, key terms from project and
 * agent names) → the dispatcher with the transcript's confidence, so a doubtful one is read
 * back before anything changes. The answer carries the transcript and its confidence.
 */
export function registerAudioRoute(app: FastifyInstance, ctx: VoiceRouteContext) {
  const needTranscriber = async () => {
    if (!ctx.transcriber) {
      throw new HubError(
        "unavailable",
        "Audio needs speech-to-text: set DEEPGRAM_API_KEY on the hub (or send text to /v1/voice/chat)",
      );
    }
  };
  app.post(
    AUDIO_PATH,
    { bodyLimit: ctx.tuning.maxAudioBytes, onRequest: [ctx.requireToken, needTranscriber] },
    async (req) => {
      const audio = req.body;
      if (!Buffer.isBuffer(audio) || !AUDIO_CONTENT_TYPE.test(String(req.headers["content-type"] ?? ""))) {
        throw unsupportedAudio();
      }
      if (audio.byteLength === 0) throw new HubError("validation", "The audio is empty");
      const transcriber = ctx.transcriber;
      if (!transcriber) throw new HubError("unavailable", "Audio needs speech-to-text: set DEEPGRAM_API_KEY");
      if (!ctx.running())
        throw new HubError("unavailable", "The voice channel is not started yet; retry shortly");

      const q = req.query as Record<string, unknown> | undefined;
      const header = req.headers["x-session-id"];
      const session = cleanSessionId(typeof header === "string" ? header : q?.session_id) ?? randomUUID();
      const keyterms = await ctx.keyterms().catch((e: unknown) => {
        ctx.log.warn({ err: (e as Error).message }, "keyterms lookup failed; transcribing without them");
        return [] as string[];
      });

      let heard: { transcript: string; confidence: number };
      try {
        heard = await transcriber.transcribe(audio, { mimeType: mimeOf(req), keyterms });
      } catch (e) {
        const why = isHubError(e) ? e.message : "Speech-to-text failed.";
        ctx.log.warn({ err: why, bytes: audio.byteLength }, "voice audio not transcribed");
        throw new HubError("unavailable", `${why.replace(/\.$/, "")}: nothing was done. Please try again.`, {
          details: { provider: "deepgram", retryAfterSeconds: 1 },
        });
      }
      const extra = { transcript: heard.transcript, confidence: heard.confidence };
      if (heard.transcript.trim().length === 0) {
        const none = {
          speech: NO_WORDS,
          actions: [],
          awaitingConfirmation: false,
          endCall: false,
          intent: "unknown",
        };
        return { ...chatResponse(none, session), ...extra };
      }
      const messageHeader = cleanSessionId(req.headers["x-message-id"]);
      const digest = createHash("sha256").update(audio).digest("hex").slice(0, 24);
      const turn = await ctx.runner.run({
        channel: "voice",
        ...tokenSpeaker(ctx.config, undefined),
        conversation: session,
        text: heard.transcript,
        messageId: `audio:${session}:${messageHeader ?? digest}`,
        receivedAt: ctx.now(),
        context: { transcriptConfidence: heard.confidence, heard: heard.transcript },
      });
      return { ...chatResponse(turn, session), ...extra };
    },
  );
}
