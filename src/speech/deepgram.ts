import { DeepgramClient, DeepgramError, DeepgramTimeoutError } from "@deepgram/sdk";
import { HubError } from "../errors.ts";
import { type Logger, scrubSecrets } from "../logger.ts";
import type { TranscribeOptions, Transcriber, Transcript } from "./types.ts";

export interface DeepgramTranscriberOptions {
  apiKey: string;
  /** a Deepgram-compatible server (self-hosted, or a test fake); default api.deepgram.com */
  baseUrl?: string | undefined;
  logger: Logger;
  /** default nova-3 */
  model?: string;
  /** default 30 */
  timeoutSeconds?: number;
  /** retries of a failed request inside the SDK; default 1 */
  maxRetries?: number;
}

/**
 * The transcriber the channels use from the hub's settings: Deepgram when a key is configured,
 * none otherwise (voice is then declined). One place, so every channel reads the settings alike.
 */
export function deepgramFromConfig(
  deepgram: { apiKey: string | undefined; baseUrl: string | undefined },
  logger: Logger,
): Transcriber | undefined {
  return deepgram.apiKey
    ? createDeepgramTranscriber({ apiKey: deepgram.apiKey, baseUrl: deepgram.baseUrl, logger })
    : undefined;
}

/** Deepgram's limit is about 100 key terms per request; more are dropped (first ones win). */
export const MAX_KEYTERMS = 100;

/**
 * Pre-recorded transcription over Deepgram's REST API (`POST /v1/listen`) with nova-3,
 * smart formatting, and key terms for names the person is likely to say.
 */
export function createDeepgramTranscriber(opts: DeepgramTranscriberOptions): Transcriber {
  const log = opts.logger.child({ component: "deepgram" });
  const client = new DeepgramClient({
    apiKey: opts.apiKey,
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl.replace(/\/+$/, "") } : {}),
    timeoutInSeconds: opts.timeoutSeconds ?? 30,
    maxRetries: opts.maxRetries ?? 1,
  });
  const model = opts.model ?? "nova-3";

  return {
    async transcribe(audio: Uint8Array, t: TranscribeOptions): Promise<Transcript> {
      if (audio.byteLength === 0) throw new HubError("validation", "The audio is empty.");
      const keyterm = cleanKeyterms(t.keyterms ?? []);
      const started = Date.now();
      let response: unknown;
      try {
        response = await client.listen.v1.media.transcribeFile(
          { data: audio, contentType: t.mimeType, contentLength: audio.byteLength },
          { model, smart_format: true, ...(keyterm.length > 0 ? { keyterm } : {}) },
          t.signal ? { abortSignal: t.signal } : {},
        );
      } catch (e) {
        const status = e instanceof DeepgramError ? e.statusCode : undefined;
        const kind =
          e instanceof DeepgramTimeoutError ? "timeout" : status ? `HTTP ${status}` : "network error";
        log.warn(
          { status, kind, err: scrubSecrets(String((e as Error)?.message ?? e)) },
          "deepgram transcription failed",
        );
        throw new HubError("unavailable", `Speech-to-text failed (${kind}).`, {
          cause: e,
          details: { provider: "deepgram", ...(status ? { status } : {}) },
        });
      }
      const best = firstAlternative(response);
      if (!best) {
        log.warn("deepgram answered without a transcript (callback mode?)");
        throw new HubError("unavailable", "Speech-to-text returned no transcript.");
      }
      log.debug(
        {
          ms: Date.now() - started,
          bytes: audio.byteLength,
          confidence: best.confidence,
          keyterms: keyterm.length,
        },
        "transcribed",
      );
      return best;
    },
  };
}

function cleanKeyterms(terms: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of terms) {
    const term = t.trim().replace(/\s+/g, " ");
    if (term.length === 0 || term.length > 100 || seen.has(term.toLowerCase())) continue;
    seen.add(term.toLowerCase());
    out.push(term);
    if (out.length >= MAX_KEYTERMS) break;
  }
  return out;
}

/** results.channels[0].alternatives[0] of Deepgram's response, checked at runtime. */
function firstAlternative(response: unknown): Transcript | undefined {
  const results = (response as { results?: { channels?: { alternatives?: unknown[] }[] } } | undefined)
    ?.results;
  const alt = results?.channels?.[0]?.alternatives?.[0] as
    | { transcript?: unknown; confidence?: unknown }
    | undefined;
  if (!alt || typeof alt.transcript !== "string") return undefined;
  const confidence =
    typeof alt.confidence === "number" && Number.isFinite(alt.confidence) ? alt.confidence : 0;
  return { transcript: alt.transcript.trim(), confidence };
}
