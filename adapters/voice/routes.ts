import type { FastifyError, FastifyInstance } from "fastify";
import { HubError } from "../../src/errors.ts";
import { httpStatusFor, sendError, toHubError } from "../../src/http/errors.ts";
import {
  AUDIO_CONTENT_TYPE,
  AUDIO_PATH,
  audioTooLarge,
  registerAudioRoute,
  unsupportedAudio,
} from "./audio-route.ts";
import { registerChatRoute } from "./chat-route.ts";
import { registerCompletionRoutes } from "./completions-route.ts";
import type { VoiceRouteContext } from "./route-context.ts";
import { registerTwilioRoutes } from "./twilio-routes.ts";
import { TWILIO_GATHER_PATH, TWILIO_PATH } from "./twiml.ts";

/**
 * Every voice endpoint, in a scope of their own: the audio and form-encoded body parsers and
 * the error messages they need stay here, away from the rest of the API.
 */
export async function registerVoiceRoutes(app: FastifyInstance, ctx: VoiceRouteContext) {
  await app.register(async (scope) => {
    scope.addContentTypeParser(AUDIO_CONTENT_TYPE, { parseAs: "buffer" }, (_req, body, done) =>
      done(null, body),
    );
    scope.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string" },
      (_req, body, done) => {
        const params: Record<string, string> = {};
        for (const [k, v] of new URLSearchParams(String(body))) params[k] = v;
        done(null, params);
      },
    );

    scope.setErrorHandler((err: unknown, req, reply) => {
      const route = req.routeOptions.url;
      const code = (err as Partial<FastifyError>)?.code;
      let e: HubError;
      if (route === AUDIO_PATH && code === "FST_ERR_CTP_BODY_TOO_LARGE")
        e = audioTooLarge(ctx.tuning.maxAudioBytes);
      else if (route === AUDIO_PATH && code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") e = unsupportedAudio();
      else if (
        (route === TWILIO_PATH || route === TWILIO_GATHER_PATH) &&
        code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
      ) {
        e = new HubError("unsupported_media_type", "Twilio webhooks are application/x-www-form-urlencoded");
      } else e = toHubError(err, ctx.config.bodyLimitBytes);
      if (httpStatusFor(e.code) >= 500 && e.code !== "unavailable") {
        ctx.log.error({ err, reqId: req.id, route }, "voice request failed");
      }
      return sendError(reply, e);
    });

    registerChatRoute(scope, ctx);
    registerCompletionRoutes(scope, ctx);
    registerAudioRoute(scope, ctx);
    registerTwilioRoutes(scope, ctx);
  });
}
