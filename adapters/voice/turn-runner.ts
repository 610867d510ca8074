import type { Dispatcher, Reply, Utterance } from "../../src/channels/types.ts";
import { HubError } from "../../src/errors.ts";
import type { Cache } from "../../src/infra/types.ts";
import type { Logger } from "../../src/logger.ts";
import { FAREWELL_SPEECH, isFarewell } from "./end-call.ts";
import type { NotificationQueue } from "./notification-queue.ts";
import { countWords, guardSpeech } from "./speech-guard.ts";
import type { VoiceTurn } from "./voice-turn.ts";

export const ALREADY_DONE = "I've already taken care of that.";
export const NOT_SERVED = "Sorry, I only take requests from my owner. Goodbye.";
const NOTHING_TO_SAY = "Done.";

export interface TurnRunnerDeps {
  /** undefined until the adapter is started */
  dispatcher: () => Dispatcher | undefined;
  /** answers kept for a platform's retry of the same turn */
  cache: Cache;
  notifications: NotificationQueue;
  log: Logger;
  replayTtlMs: number;
  maxWords: number;
}

export interface TurnRunner {
  /** one turn: a farewell ends the call, anything else goes to the dispatcher */
  run(u: Utterance): Promise<VoiceTurn>;
  /** resolves when the turns in hand are done */
  drain(): Promise<void>;
}

/**
 * Runs the dispatcher for a voice utterance and makes its answer speakable. A retry of a turn
 * (same messageId) waits for, or replays, the first answer instead of acting twice.
 */
export function createTurnRunner(d: TurnRunnerDeps): TurnRunner {
  const inFlight = new Map<string, Promise<VoiceTurn>>();

  /** Notes waiting for this session go first, in whatever words the answer leaves. */
  function compose(u: Utterance, answer: string, base: Omit<VoiceTurn, "speech">): VoiceTurn {
    const speech = guardSpeech(answer, d.maxWords) || NOTHING_TO_SAY;
    const notes = d.notifications.take(u.conversation, d.maxWords - countWords(speech) - 2);
    const said = notes.length > 0 ? `Quick update. ${notes.join(" ")} ${speech}` : speech;
    return { ...base, speech: said };
  }

  function fromReply(u: Utterance, r: Reply): VoiceTurn {
    return compose(u, r.speech || r.text, {
      actions: r.actions,
      awaitingConfirmation: r.awaitingConfirmation,
      endCall: false,
      intent: r.intent,
    });
  }

  async function replayed(key: string): Promise<VoiceTurn | undefined> {
    const cached = await d.cache.get(key).catch(() => undefined);
    if (!cached) return undefined;
    try {
      return JSON.parse(cached) as VoiceTurn;
    } catch {
      return undefined;
    }
  }

  async function handle(u: Utterance, key: string): Promise<VoiceTurn> {
    const dispatcher = d.dispatcher();
    if (!dispatcher) throw new HubError("unavailable", "The voice channel is not started yet; retry shortly");
    if (isFarewell(u.text)) {
      return compose(u, FAREWELL_SPEECH, {
        actions: [],
        awaitingConfirmation: false,
        endCall: true,
        intent: "goodbye",
      });
    }
    const reply = await dispatcher.handle(u);
    if (reply.silent && reply.intent === "duplicate") {
      const again = await replayed(key);
      if (again) return again;
      return compose(u, ALREADY_DONE, {
        actions: [],
        awaitingConfirmation: false,
        endCall: false,
        intent: "duplicate",
      });
    }
    if (reply.silent) {
      // A sender the hub does not serve, already told within the hour: end the call politely.
      return {
        speech: NOT_SERVED,
        actions: [],
        awaitingConfirmation: false,
        endCall: true,
        intent: reply.intent,
      };
    }
    const turn = fromReply(u, reply);
    await d.cache.set(key, JSON.stringify(turn), d.replayTtlMs).catch((e: unknown) => {
      d.log.warn({ err: (e as Error).message }, "could not keep the voice answer for retries");
    });
    return turn;
  }

  return {
    run(u) {
      const key = `voice:turn:${u.messageId}`;
      const running = inFlight.get(key);
      if (running) return running;
      const p = handle(u, key).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
      return p;
    },
    async drain() {
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}
