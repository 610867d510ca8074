import type { FastifyReply } from "fastify";

/** JSON already serialised (by Postgres, say): sent as it is. */
export type JsonText = string & { readonly __json: unique symbol };

/** `[a,b]` of JSON texts. */
export const jsonArray = (items: readonly JsonText[]) => `[${items.join(",")}]` as JsonText;

/** An object of JSON texts and plain values (serialised here), keys in the order given. */
export function jsonObject(fields: Record<string, JsonText | { value: unknown }>): JsonText {
  const parts = Object.entries(fields).map(
    ([k, v]) => `${JSON.stringify(k)}:${typeof v === "string" ? v : JSON.stringify(v.value)}`,
  );
  return `{${parts.join(",")}}` as JsonText;
}

/**
 * Sends JSON text without fastify's serialiser (which would validate it against the response
 * schema and write it again): the route's schema still documents it.
 */
export const sendJson = (reply: FastifyReply, body: JsonText) =>
  reply.type("application/json; charset=utf-8").send(body);
