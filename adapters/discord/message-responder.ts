import type { Dispatcher, Reply, Utterance } from "../../src/channels/types.ts";
import type { Logger } from "../../src/logger.ts";
import { type DiscordRest, describeError } from "./discord-rest.ts";
import { formatMessage } from "./format-reply.ts";
import { FAILURE_TEXT } from "./interaction-responder.ts";

export interface MessageResponderDeps {
  rest: DiscordRest;
  log: Logger;
  dispatcher: Dispatcher;
  /** after this long without a reply, "AgentOps is typing…" shows in the channel */
  deferAfterMs: number;
}

/**
 * Hands a chat message to the dispatcher and posts the reply in the same channel: in order, split at
 * 2000 characters, buttons under the last part. In a guild channel the first part replies to the
 * person's message. A silent reply posts nothing.
 */
export async function answerMessage(
  deps: MessageResponderDeps,
  utterance: Utterance,
  opts: { inGuild: boolean },
): Promise<void> {
  const typing = setTimeout(() => {
    deps.rest.triggerTyping(utterance.conversation).catch((e: unknown) => {
      deps.log.debug({ ...describeError(e) }, "typing indicator failed");
    });
  }, deps.deferAfterMs);
  let reply: Pick<Reply, "text" | "buttons" | "silent">;
  try {
    // Delivery is confirmed after posting: a redelivery after a crash still gets its answer.
    reply = await deps.dispatcher.handle({ ...utterance, confirmsDelivery: true });
  } catch (e) {
    deps.log.error({ err: e, messageId: utterance.messageId }, "dispatcher failed on a message");
    reply = { text: FAILURE_TEXT, buttons: [], silent: false };
  } finally {
    clearTimeout(typing);
  }
  if (reply.silent) return;

  const payloads = formatMessage(reply);
  for (const [i, p] of payloads.entries()) {
    const body =
      i === 0 && opts.inGuild
        ? { ...p, message_reference: { message_id: utterance.messageId, fail_if_not_exists: false } }
        : p;
    try {
      await deps.rest.postMessage(utterance.conversation, body);
    } catch (e) {
      deps.log.warn(
        { conversation: utterance.conversation, part: i + 1, of: payloads.length, ...describeError(e) },
        "could not post a reply",
      );
      return;
    }
  }
  await deps.dispatcher.delivered?.(utterance).catch((e: unknown) => {
    deps.log.warn({ ...describeError(e) }, "could not record that a reply went out");
  });
}
