// Pure: what Twilio is told to do on a call, as TwiML. <Say> text is escaped by the twilio package.

import twilio from "twilio";

export const TWILIO_PATH = "/v1/voice/twilio";
export const TWILIO_GATHER_PATH = "/v1/voice/twilio/gather";

export const GREETING = "Hi, it's your Chief of Staff. What can I do for you?";
export const NOT_HEARD = "Sorry, I didn't hear anything. What can I do for you?";
export const STILL_QUIET = "I didn't hear anything, so I'll hang up. Call back anytime. Goodbye.";
export const REFUSAL = "Sorry, I only take calls from my owner. Goodbye.";

/** Where the next answer goes: the gather action, with the turn number and the silences so far. */
export function gatherUrl(turn: number, quiet = 0): string {
  return `${TWILIO_GATHER_PATH}?turn=${turn}${quiet > 0 ? `&quiet=${quiet}` : ""}`;
}

/** Says `speech`, then listens; the answer (or silence) goes to `action`. */
export function sayAndGather(speech: string, action: string): string {
  const r = new twilio.twiml.VoiceResponse();
  const g = r.gather({
    input: ["speech"],
    action,
    method: "POST",
    speechTimeout: "auto",
    actionOnEmptyResult: true,
  });
  g.say(speech);
  return r.toString();
}

/** Says `speech` and ends the call. */
export function sayAndHangUp(speech: string): string {
  const r = new twilio.twiml.VoiceResponse();
  if (speech.length > 0) r.say(speech);
  r.hangup();
  return r.toString();
}
