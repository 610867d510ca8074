export { createDeepgramTranscriber, type DeepgramTranscriberOptions, MAX_KEYTERMS } from "./deepgram.ts";
export type { TranscribeOptions, Transcriber, Transcript } from "./types.ts";
