import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { HubError } from "../../src/errors.ts";
import { cleanSessionId } from "./openai-request.ts";
import { tokenSpeaker, type VoiceRouteContext } from "./route-context.ts";
import { chatResponse } from "./voice-turn.ts";

export const CHAT_PATHS = ["/v1/voice/chat", "/chat"] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `POST /v1/voice/chat` (and `/chat`): `{message, session_id?, user_id?, message_id?}` →
 * `{response, actions, session_id, awaiting_confirmation, end_call}`. The session is the
 * conversation; a new one is made when absent. `message_id` makes a retry safe.
 */
export function registerChatRoute(app: FastifyInstance, ctx: VoiceRouteContext) {
  for (const path of CHAT_PATHS) {
    app.post(path, { onRequest: ctx.requireToken }, async (req) => {
      const b = req.body;
      if (!isObject(b))
        throw new HubError("validation", 'The body must be a JSON object like {"message": "what\'s open"}');
      if (typeof b.message !== "string" || b.message.trim().length === 0) {
        throw new HubError("validation", "`message` is required: the words the person said, as a string");
      }
      if (b.session_id !== undefined && b.session_id !== null && !cleanSessionId(b.session_id)) {
        throw new HubError("validation", "`session_id` must be a non-empty string");
      }
      const session = cleanSessionId(b.session_id) ?? randomUUID();
      const given = cleanSessionId(b.message_id);
      const userId = cleanSessionId(b.user_id);
      const turn = await ctx.runner.run({
        channel: "voice",
        ...tokenSpeaker(ctx.config, undefined),
        ...(userId ? { senderName: userId } : {}),
        conversation: session,
        text: b.message,
        messageId: given ? `chat:${session}:${given}` : `chat:${randomUUID()}`,
        receivedAt: ctx.now(),
      });
      return chatResponse(turn, session);
    });
  }
}
