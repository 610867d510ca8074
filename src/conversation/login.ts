import type { Reply, Utterance } from "../channels/types.ts";
import { makeReply } from "../cos/reply.ts";
import type { Sql } from "../db/sql.ts";
import { createLoginLink } from "../web/sessions.ts";

/** `/login` (also `/login@MyBot`): a one-time sign-in link for the dashboard. */
export const isLoginCommand = (text: string) => /^\s*\/login(@[\w]+)?\s*$/i.test(text);

/**
 * The link goes only to the owner (the dispatcher has checked), only in a private conversation,
 * and only where a person can open it: not spoken on a call, not posted in a group.
 */
export async function loginReply(tx: Sql, u: Utterance, dashboardUrl: string | undefined): Promise<Reply> {
  if (u.context?.isGroup) {
    return makeReply("help", {
      text: "I only send sign-in links in a private chat. Message me directly with /login.",
    });
  }
  if (u.channel === "voice") {
    return makeReply("help", {
      text: "I can't give you a link on a call. Send /login on Telegram, Discord or email.",
    });
  }
  if (!dashboardUrl) {
    return makeReply("help", {
      text: "The dashboard's address is not known yet (set PUBLIC_URL). Try again in a moment.",
    });
  }
  const link = await createLoginLink(tx, { publicUrl: dashboardUrl });
  return makeReply("help", {
    text: `Here's your sign-in link for the dashboard. It works once, for 15 minutes:\n${link.url}`,
    speech: "I've sent you a sign-in link for the dashboard.",
  });
}
