import type { Reply } from "../channels/types.ts";
import { briefingReply, gatherBriefing } from "../cos/briefing.ts";
import { notifySet } from "../cos/meta-replies.ts";
import { makeReply } from "../cos/reply.ts";
import { getPreferences, type NotifyLevel, setNotification } from "./preferences.ts";
import { type Slots, str, type Turn } from "./turn.ts";

const LEVELS = new Set(["all", "important", "none"]);
const NOTIFIABLE = new Set(["telegram", "discord", "email", "terminal"]);
const DAY_MS = 24 * 3600 * 1000;

/** On demand, the last day; the daily briefing covers the time since the previous one. */
export async function briefingIntent(t: Turn): Promise<Reply> {
  const since = new Date(t.fmt.now.getTime() - DAY_MS);
  return briefingReply(await gatherBriefing(t.tx, { now: t.fmt.now, since }), t.fmt);
}

/** Where a channel named in "notify me on telegram" reaches the person. */
function conversationOn(t: Turn, channel: string, known: Record<string, string>): string | undefined {
  if (channel === t.u.channel) return t.u.conversation;
  if (known[channel]) return known[channel];
  // A Telegram private chat's id is the user's id; an email goes to the address.
  if (channel === "telegram") return t.owner.telegramIds[0];
  if (channel === "email") return t.owner.emails[0];
  return undefined;
}

export async function notifySetIntent(t: Turn, slots: Slots): Promise<Reply> {
  const level = str(slots.level);
  const channel = str(slots.channel)?.toLowerCase();
  const prefs = await getPreferences(t.tx);
  if (level && !LEVELS.has(level)) {
    return makeReply("notify.set", {
      text: `I can notify you about everything, only what's important, or nothing. Which would you like?`,
      speech: "Everything, only what's important, or nothing?",
    });
  }
  const next = {
    level: (level ?? prefs.level) as NotifyLevel,
    channel: prefs.channel,
    conversation: prefs.conversation,
    pinned: prefs.pinned,
  };
  if (channel) {
    const conversation = NOTIFIABLE.has(channel)
      ? conversationOn(t, channel, prefs.conversations)
      : undefined;
    if (!conversation) {
      return makeReply("notify.set", {
        text: `I can't reach you on ${channel} yet. Send me a message there once, then ask again.`,
        speech: `I can't reach you on ${channel} yet. Send me a message there once, then ask again.`,
      });
    }
    Object.assign(next, { channel, conversation, pinned: true });
  }
  t.state.undo.push({
    kind: "notify.set",
    previous: {
      level: prefs.level,
      channel: prefs.channel,
      conversation: prefs.conversation,
      pinned: prefs.pinned,
    },
    summary: `notifications are back to ${prefs.level}`,
  });
  await setNotification(t.tx, next);
  return notifySet(next.level, channel ?? null);
}
