import { isHubError } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import type { Transcriber } from "../../src/speech/types.ts";
import type { FileDownloader } from "./file-download.ts";
import type { VoiceFile } from "./parse-update.ts";
import { describeError } from "./retry.ts";

export interface VoiceDeps {
  /** undefined without DEEPGRAM_API_KEY */
  transcriber: Transcriber | undefined;
  files: FileDownloader;
  /** current project and agent names, so Deepgram hears them right */
  keyterms: () => Promise<string[]>;
  maxBytes: number;
  log: Logger;
}

export type VoiceResult =
  | { ok: true; transcript: string; confidence: number }
  /** `message` is what to tell the person */
  | { ok: false; message: string; reason: string };

export const VOICE_MESSAGES = {
  notConfigured:
    "I can't listen to voice notes yet: speech-to-text needs a Deepgram key (DEEPGRAM_API_KEY) on the hub. Please type it for now.",
  tooLarge: "That voice note is too long for me. Could you send a shorter one, or type it?",
  download: "I couldn't fetch that voice note from Telegram. Please send it again.",
  transcription:
    "Sorry, I couldn't transcribe that voice note: the speech service failed. Please try again, or type it.",
  empty: "I couldn't make out any words in that voice note. Could you try again, or type it?",
} as const;

/** Voice note → transcript, or what to tell the person instead. Never throws except on abort. */
export async function transcribeVoice(
  file: VoiceFile,
  deps: VoiceDeps,
  signal: AbortSignal,
): Promise<VoiceResult> {
  const fail = (key: keyof typeof VOICE_MESSAGES, reason: string): VoiceResult => ({
    ok: false,
    message: VOICE_MESSAGES[key],
    reason,
  });
  if (!deps.transcriber) return fail("notConfigured", "no DEEPGRAM_API_KEY");
  if ((file.fileSize ?? 0) > deps.maxBytes) return fail("tooLarge", `file_size ${file.fileSize}`);

  let audio: Uint8Array;
  try {
    audio = await deps.files.download(file.fileId, signal);
  } catch (e) {
    signal.throwIfAborted();
    deps.log.warn({ err: describeError(e) }, "voice note download failed");
    return isHubError(e, "payload_too_large")
      ? fail("tooLarge", describeError(e))
      : fail("download", describeError(e));
  }

  const keyterms = await deps.keyterms().catch((e: unknown) => {
    deps.log.warn({ err: describeError(e) }, "keyterms lookup failed; transcribing without them");
    return [] as string[];
  });
  try {
    const t = await deps.transcriber.transcribe(audio, { mimeType: file.mimeType, keyterms, signal });
    if (t.transcript.trim().length === 0) return fail("empty", "empty transcript");
    return { ok: true, transcript: t.transcript.trim(), confidence: t.confidence };
  } catch (e) {
    signal.throwIfAborted();
    deps.log.warn({ err: describeError(e) }, "voice note transcription failed");
    return fail("transcription", describeError(e));
  }
}
