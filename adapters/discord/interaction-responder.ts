import { InteractionResponseType, MessageFlags } from "discord.js";
import type { Reply } from "../../src/channels/types.ts";
import type { Logger } from "../../src/logger.ts";
import { type DiscordRest, describeError, isAlreadyAcknowledged } from "./discord-rest.ts";
import { type DiscordMessagePayload, formatMessage } from "./format-reply.ts";
import type { InteractionRef } from "./parse-interaction.ts";

export interface ResponderDeps {
  rest: DiscordRest;
  log: Logger;
  /**
   * Discord drops an interaction not answered within 3 s. When the dispatcher takes longer than this,
   * the interaction is deferred first (a "thinking…" state for a command, nothing visible for a button)
   * and the answer edits or follows it.
   */
  deferAfterMs: number;
}

export const FAILURE_TEXT = "Sorry, something went wrong handling that. Please try again in a moment.";

/**
 * Answers one interaction with the dispatcher's reply.
 * - Slash command: the reply is the interaction's message (its first chunk; more chunks follow up).
 * - Button whose press changed something (reply.actions not empty): the pressed message loses its
 *   buttons and the reply follows as a new message. Any other press (a refusal, "already done", a
 *   task shown) is answered only to the presser in a guild channel (ephemeral), normally in a DM.
 * - Silent reply: nothing is shown; a deferred command's placeholder is deleted.
 */
export async function answerInteraction(
  deps: ResponderDeps,
  ref: InteractionRef,
  work: () => Promise<Reply>,
): Promise<void> {
  const pending = work().then(
    (reply) => ({ reply }) as const,
    (error: unknown) => ({ error }) as const,
  );
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"defer">((resolve) => {
    timer = setTimeout(() => resolve("defer"), deps.deferAfterMs);
  });
  const first = await Promise.race([pending, deadline]);
  clearTimeout(timer);

  let deferred = false;
  if (first === "defer") {
    const type =
      ref.kind === "command"
        ? InteractionResponseType.DeferredChannelMessageWithSource
        : InteractionResponseType.DeferredMessageUpdate;
    const ok = await step(deps, ref, "defer", () => deps.rest.interactionCallback(ref, { type }));
    if (!ok) {
      await pending;
      return;
    }
    deferred = true;
  }
  const outcome = first === "defer" ? await pending : first;
  if ("error" in outcome) {
    deps.log.error({ err: outcome.error, interaction: ref.id }, "dispatcher failed on an interaction");
    await deliver(deps, ref, deferred, { text: FAILURE_TEXT, ephemeral: true });
    return;
  }
  const reply = outcome.reply;
  if (reply.silent) {
    await quiet(deps, ref, deferred);
    return;
  }
  const removeButtons = ref.kind === "button" && reply.actions.length > 0;
  await deliver(deps, ref, deferred, {
    text: reply.text,
    buttons: reply.buttons,
    ephemeral: ref.kind === "button" && !removeButtons && ref.inGuild,
    removeButtons,
  });
}

/** An answer given instead of a dispatcher reply (a button that is no longer active, a wrong channel). */
export async function answerNotice(deps: ResponderDeps, ref: InteractionRef, text: string): Promise<void> {
  await deliver(deps, ref, false, { text, ephemeral: true });
}

interface Delivery {
  text: string;
  buttons?: Reply["buttons"];
  ephemeral: boolean;
  removeButtons?: boolean;
}

async function deliver(
  deps: ResponderDeps,
  ref: InteractionRef,
  deferred: boolean,
  d: Delivery,
): Promise<void> {
  const { rest } = deps;
  const flags = d.ephemeral ? { flags: MessageFlags.Ephemeral } : {};
  const payloads: (DiscordMessagePayload & { flags?: number })[] = formatMessage(d).map((p) => ({
    ...p,
    ...flags,
  }));
  const [head, ...tail] = payloads;
  if (!head) {
    await quiet(deps, ref, deferred);
    return;
  }
  let followUps = tail;
  let ok: boolean;
  if (d.removeButtons) {
    // The pressed message keeps its text and loses its buttons; the reply is a new message under it.
    ok = deferred
      ? await step(deps, ref, "clear buttons", () => rest.editOriginal(ref, { components: [] }))
      : await step(deps, ref, "clear buttons", () =>
          rest.interactionCallback(ref, {
            type: InteractionResponseType.UpdateMessage,
            data: { components: [] },
          }),
        );
    followUps = payloads;
  } else if (!deferred) {
    ok = await step(deps, ref, "reply", () =>
      rest.interactionCallback(ref, { type: InteractionResponseType.ChannelMessageWithSource, data: head }),
    );
  } else if (ref.kind === "command") {
    const { flags: _ignored, ...body } = head;
    ok = await step(deps, ref, "edit reply", () => rest.editOriginal(ref, body));
  } else {
    // A deferred button press has no message of its own: the answer is a follow-up.
    followUps = payloads;
    ok = true;
  }
  if (!ok) return;
  for (const p of followUps) {
    if (!(await step(deps, ref, "follow up", () => rest.followUp(ref, p)))) return;
  }
}

async function quiet(deps: ResponderDeps, ref: InteractionRef, deferred: boolean): Promise<void> {
  if (deferred && ref.kind === "command") {
    await step(deps, ref, "delete placeholder", () => deps.rest.deleteOriginal(ref));
  } else if (!deferred && ref.kind === "button") {
    await step(deps, ref, "acknowledge", () =>
      deps.rest.interactionCallback(ref, { type: InteractionResponseType.DeferredMessageUpdate }),
    );
  }
}

/** Runs one call; a failure is logged (never with the URL, which holds the token) and ends the answer. */
async function step(deps: ResponderDeps, ref: InteractionRef, what: string, call: () => Promise<unknown>) {
  try {
    await call();
    return true;
  } catch (e) {
    if (isAlreadyAcknowledged(e)) {
      deps.log.info({ interaction: ref.id, step: what }, "interaction was already answered (a redelivery)");
    } else {
      deps.log.warn(
        { interaction: ref.id, step: what, ...describeError(e) },
        "could not answer an interaction",
      );
    }
    return false;
  }
}
