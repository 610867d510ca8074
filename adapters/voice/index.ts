export { createVoiceAdapter, type VoiceAdapter, type VoiceStatus } from "./adapter.ts";
export { isFarewell } from "./end-call.ts";
export { type CompletionTurn, readCompletionRequest } from "./openai-request.ts";
export { restOfStream, splitForStream, toCompletion } from "./openai-response.ts";
export {
  DEFAULT_VOICE_TUNING,
  type VoiceAdapterConfig,
  type VoiceAdapterDeps,
  type VoiceTuning,
} from "./settings.ts";
export { guardSpeech, MAX_VOICE_WORDS } from "./speech-guard.ts";
export { sayAndGather, sayAndHangUp } from "./twiml.ts";
export type { VoiceTurn } from "./voice-turn.ts";
