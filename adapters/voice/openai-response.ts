// Pure: a voice turn in the OpenAI chat-completions shapes, a whole `chat.completion` or the
// `chat.completion.chunk` events of a stream.

import type { VoiceTurn } from "./voice-turn.ts";

export interface CompletionMeta {
  id: string;
  model: string;
  /** unix seconds */
  created: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Roughly four characters a token: platforms only show it. */
export function estimateUsage(promptChars: number, answer: string): Usage {
  const prompt = Math.ceil(promptChars / 4);
  const completion = Math.ceil(answer.length / 4);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** What the hub did, for clients that look (the OpenAI clients ignore it). */
const extra = (turn: VoiceTurn) => ({
  actions: turn.actions.map((a) => ({ type: a.type, id: a.id, summary: a.summary })),
  awaiting_confirmation: turn.awaitingConfirmation,
  end_call: turn.endCall,
});

export function toCompletion(turn: VoiceTurn, meta: CompletionMeta, usage: Usage) {
  return {
    id: meta.id,
    object: "chat.completion" as const,
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant" as const, content: turn.speech, refusal: null },
        logprobs: null,
        finish_reason: "stop" as const,
      },
    ],
    usage,
    system_fingerprint: null,
    agentops: extra(turn),
  };
}

type Delta = { role?: "assistant"; content?: string };

export function chunk(meta: CompletionMeta, delta: Delta, finish: "stop" | null = null) {
  return {
    id: meta.id,
    object: "chat.completion.chunk" as const,
    created: meta.created,
    model: meta.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
}

/** The role chunk: sent as soon as the request is accepted, before the answer exists. */
export const firstChunk = (meta: CompletionMeta) => chunk(meta, { role: "assistant", content: "" });

/** Sentences (with their trailing space), so text-to-speech can start on the first one. */
export function splitForStream(speech: string): string[] {
  const parts = speech.match(/[^.!?]+[.!?]+["')]*\s*|[^.!?]+$/g) ?? [];
  return parts.filter((p) => p.length > 0);
}

/** Everything after the role chunk: content chunks, the stop chunk, the usage chunk if asked. */
export function restOfStream(turn: VoiceTurn, meta: CompletionMeta, usage: Usage | undefined) {
  const out: unknown[] = splitForStream(turn.speech).map((c) => chunk(meta, { content: c }));
  out.push({ ...chunk(meta, {}, "stop"), agentops: extra(turn) });
  if (usage) out.push({ ...chunk(meta, {}), choices: [], usage });
  return out;
}

export const sseData = (v: unknown) => `data: ${JSON.stringify(v)}\n\n`;
export const SSE_DONE = "data: [DONE]\n\n";

export function modelList(modelId: string, created: number) {
  return {
    object: "list" as const,
    data: [{ id: modelId, object: "model" as const, created, owned_by: "agentops" }],
  };
}
