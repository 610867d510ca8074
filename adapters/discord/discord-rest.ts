import {
  type APIChannel,
  type APIInteractionResponse,
  type APIMessage,
  DiscordAPIError,
  HTTPError,
  RateLimitError,
  type REST,
  Routes,
} from "discord.js";
import { HubError } from "../../src/errors.ts";
import type { DiscordMessagePayload } from "./format-reply.ts";
import type { InteractionRef } from "./parse-interaction.ts";

/**
 * The Discord REST calls the adapter makes, over one discord.js REST instance: its queue keeps to
 * Discord's per-route rate limits (and retries a 429 after the time Discord names).
 * Interaction callbacks and webhook calls carry the interaction token in the URL and no bot token.
 */
export function createDiscordRest(rest: REST) {
  return {
    postMessage: (channelId: string, body: DiscordMessagePayload & { message_reference?: unknown }) =>
      rest.post(Routes.channelMessages(channelId), { body }) as Promise<APIMessage>,
    triggerTyping: (channelId: string) => rest.post(Routes.channelTyping(channelId)) as Promise<unknown>,
    createDm: (userId: string) =>
      rest.post(Routes.userChannels(), { body: { recipient_id: userId } }) as Promise<APIChannel>,
    interactionCallback: (ref: InteractionRef, body: APIInteractionResponse) =>
      rest.post(Routes.interactionCallback(ref.id, ref.token), { body, auth: false }) as Promise<unknown>,
    editOriginal: (ref: InteractionRef, body: Partial<DiscordMessagePayload>) =>
      rest.patch(Routes.webhookMessage(ref.applicationId, ref.token, "@original"), {
        body,
        auth: false,
      }) as Promise<APIMessage>,
    deleteOriginal: (ref: InteractionRef) =>
      rest.delete(Routes.webhookMessage(ref.applicationId, ref.token, "@original"), {
        auth: false,
      }) as Promise<unknown>,
    followUp: (ref: InteractionRef, body: DiscordMessagePayload & { flags?: number }) =>
      rest.post(Routes.webhook(ref.applicationId, ref.token), { body, auth: false }) as Promise<APIMessage>,
    putCommands: (route: `/${string}`, body: unknown) => rest.put(route, { body }) as Promise<unknown[]>,
  };
}

export type DiscordRest = ReturnType<typeof createDiscordRest>;

/** What may be logged about a failed call: never its URL, which can hold an interaction token. */
export function describeError(e: unknown): Record<string, unknown> {
  if (e instanceof DiscordAPIError)
    return { status: e.status, code: e.code, method: e.method, error: e.message };
  if (e instanceof HTTPError) return { status: e.status, method: e.method, error: e.message };
  if (e instanceof RateLimitError) return { rateLimited: true, retryAfter: e.retryAfter, method: e.method };
  return { error: e instanceof Error ? e.message : String(e) };
}

/** A failed Discord call as a HubError. */
export function toHubError(e: unknown, what: string): HubError {
  const details = describeError(e);
  const status = e instanceof DiscordAPIError || e instanceof HTTPError ? e.status : undefined;
  const code =
    status === 404
      ? "not_found"
      : status === 401
        ? "unauthorized"
        : status === 403
          ? "forbidden"
          : status === 429 || e instanceof RateLimitError
            ? "rate_limited"
            : status !== undefined && status < 500
              ? "bad_request"
              : "unavailable";
  return new HubError(code, `Discord refused to ${what} (${details.error ?? code})`, { cause: e, details });
}

/** Discord's "Interaction has already been acknowledged": a redelivered interaction was answered before. */
export function isAlreadyAcknowledged(e: unknown): boolean {
  return e instanceof DiscordAPIError && e.code === 40060;
}
