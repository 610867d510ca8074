export interface TranscribeOptions {
  /** the audio's content type, e.g. audio/ogg for a Telegram voice note */
  mimeType: string;
  /** names worth hearing right (projects, agents): Deepgram's `keyterm` prompting */
  keyterms?: readonly string[];
  signal?: AbortSignal;
}

export interface Transcript {
  /** empty when no words were heard */
  transcript: string;
  /** 0 to 1 */
  confidence: number;
}

export interface Transcriber {
  transcribe(audio: Uint8Array, opts: TranscribeOptions): Promise<Transcript>;
}
