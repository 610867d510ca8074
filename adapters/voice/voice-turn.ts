import type { ReplyAction } from "../../src/channels/types.ts";

/** One answer of the voice channel, whatever the endpoint: what to say and what happened. */
export interface VoiceTurn {
  /** speakable, under the word budget (speech-guard.ts) */
  speech: string;
  actions: ReplyAction[];
  awaitingConfirmation: boolean;
  /** the person said goodbye, or is not served: the platform may hang up */
  endCall: boolean;
  intent: string;
}

/** The JSON shape of `POST /v1/voice/chat` (and `/v1/voice/audio`, which adds the transcript). */
export function chatResponse(turn: VoiceTurn, session: string) {
  return {
    response: turn.speech,
    actions: turn.actions.map((a) => ({ type: a.type, id: a.id, summary: a.summary })),
    session_id: session,
    awaiting_confirmation: turn.awaitingConfirmation,
    end_call: turn.endCall,
  };
}
