// A voice call cannot be called back: what the hub wants to tell a session waits here and is
// said at the start of that session's next turn. In memory, per instance, bounded.

import type { OutboundMessage } from "../../src/channels/types.ts";
import { countWords, guardSpeech } from "./speech-guard.ts";

interface Held {
  speech: string;
  at: number;
}

export interface NotificationQueue {
  push(session: string, m: OutboundMessage): void;
  /** the notes that fit in `budget` words, oldest first; those are removed, the rest wait */
  take(session: string, budget: number): string[];
  size(session: string): number;
  clear(): void;
}

const MAX_SESSIONS = 1_000;

export function createNotificationQueue(o: {
  perSession: number;
  ttlMs: number;
  now: () => number;
}): NotificationQueue {
  const bySession = new Map<string, Held[]>();

  const live = (session: string): Held[] => {
    const held = (bySession.get(session) ?? []).filter((h) => o.now() - h.at < o.ttlMs);
    if (held.length === 0) bySession.delete(session);
    else bySession.set(session, held);
    return held;
  };

  return {
    push(session, m) {
      const speech = guardSpeech(m.speech ?? m.text, 40);
      if (speech.length === 0) return;
      const held = [...live(session), { speech, at: o.now() }].slice(-o.perSession);
      bySession.delete(session);
      bySession.set(session, held);
      while (bySession.size > MAX_SESSIONS) {
        const oldest = bySession.keys().next().value;
        if (oldest === undefined) break;
        bySession.delete(oldest);
      }
    },
    take(session, budget) {
      const held = live(session);
      const said: string[] = [];
      let left = budget;
      while (held.length > 0) {
        const next = held[0];
        if (!next || countWords(next.speech) > left) break;
        held.shift();
        said.push(next.speech);
        left -= countWords(next.speech);
      }
      if (held.length === 0) bySession.delete(session);
      return said;
    },
    size: (session) => live(session).length,
    clear: () => bySession.clear(),
  };
}
