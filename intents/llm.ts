// Optional LLM fallback: the rules answer first (free, instant); only uncertain utterances go to an
// OpenAI-compatible chat endpoint, whose tool call must pass the catalog's schemas. Any failure of
// the model (timeout, HTTP error, bad JSON, invalid call) leaves the rules' answer standing.
import { CATALOG, slotsJsonSchema } from "./catalog.ts";
import { parseUtterance } from "./parse.ts";
import { todayIn } from "./rules/dates.ts";
import type { IntentName, ParseOptions, ParseResult } from "./types.ts";
import { validateResult } from "./validate.ts";

export interface LlmUsage {
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export interface LlmParserOptions {
  baseUrl: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  recordUsage?: (u: LlmUsage) => Promise<void> | void;
  logger?: { warn(obj: object, msg?: string): void };
  /** Rules results below this confidence are sent to the model. */
  threshold?: number;
  /** Confidence given to a validated model answer. */
  llmConfidence?: number;
}

export type SourcedResult = ParseResult & { source: "rules" | "llm" };

export interface LlmParser {
  parse(text: string, opts?: ParseOptions): Promise<SourcedResult>;
}

export const DEFAULT_LLM_THRESHOLD = 0.75;
// Prompts stay small and cheap whatever was pasted.
const MAX_PROMPT_CHARS = 2000;

// Function names may not contain dots in OpenAI-compatible APIs.
const toolName = (intent: string) => intent.replace(/\./g, "_");

interface Tool {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

let toolsCache: { tools: Tool[]; byName: Map<string, IntentName> } | undefined;

/** One tool per catalog intent (plus `unknown`), generated from the catalog's zod schemas. */
export function buildTools(): { tools: Tool[]; byName: Map<string, IntentName> } {
  if (toolsCache) return toolsCache;
  const tools: Tool[] = [];
  const byName = new Map<string, IntentName>();
  for (const spec of CATALOG) {
    const { $schema: _ignored, ...parameters } = slotsJsonSchema(spec);
    const name = toolName(spec.name);
    byName.set(name, spec.name);
    tools.push({
      type: "function",
      function: {
        name,
        description: `${spec.description}. E.g. ${spec.examples.map((e) => `"${e}"`).join(", ")}`,
        parameters,
      },
    });
  }
  tools.push({
    type: "function",
    function: {
      name: "unknown",
      description: "None of the other tools fits what the person said",
      parameters: { type: "object", properties: {}, additionalProperties: false },
    },
  });
  byName.set("unknown", "unknown");
  toolsCache = { tools, byName };
  return toolsCache;
}

function systemPrompt(opts: ParseOptions): string {
  const timeZone = opts.timeZone ?? "UTC";
  const now = opts.now ?? new Date();
  const today = todayIn({ now, timeZone });
  const weekday = new Date(`${today}T12:00:00Z`).toLocaleDateString("en-US", {
    weekday: "long",
    timeZone: "UTC",
  });
  return [
    "You route what a person said to AgentOps Hub (a hub that manages their AI agents, tasks and projects) to exactly one tool call.",
    `Today is ${weekday} ${today} in time zone ${timeZone}; write dates as YYYY-MM-DD.`,
    opts.channel ? `The message came through ${opts.channel}.` : "",
    "Fill only the slots the person actually gave, using their own words without filler or politeness.",
    'task: the task number as an integer when given, "last" for it/that/this one, otherwise words of the task title.',
    "priority: urgent/asap/critical → critical; important/high → high; normal/medium → medium; low/whenever/no rush → low.",
    "If nothing fits, call unknown.",
  ]
    .filter(Boolean)
    .join("\n");
}

interface ChatResponse {
  choices?: { message?: { tool_calls?: { function?: { name?: string; arguments?: string } }[] } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; cost?: number };
}

export function createLlmParser(options: LlmParserOptions): LlmParser {
  const doFetch = options.fetch ?? globalThis.fetch;
  const threshold = options.threshold ?? DEFAULT_LLM_THRESHOLD;
  const url = `${options.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const warn = (obj: object, msg: string) => {
    try {
      options.logger?.warn(obj, msg);
    } catch {
      // A broken logger must not break parsing.
    }
  };

  async function report(data: ChatResponse): Promise<void> {
    const u = data.usage;
    if (!u || !options.recordUsage) return;
    const usage: LlmUsage = {
      model: options.model,
      promptTokens: Number(u.prompt_tokens) || 0,
      completionTokens: Number(u.completion_tokens) || 0,
      costUsd: typeof u.cost === "number" && Number.isFinite(u.cost) ? u.cost : 0,
    };
    try {
      await options.recordUsage(usage);
    } catch (err) {
      warn({ err: String(err) }, "intent llm: recordUsage failed");
    }
  }

  async function askModel(text: string, opts: ParseOptions): Promise<ParseResult | undefined> {
    const { tools, byName } = buildTools();
    let res: Response;
    try {
      res = await doFetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${options.apiKey}`,
          "x-title": "AgentOps Hub",
        },
        body: JSON.stringify({
          model: options.model,
          messages: [
            { role: "system", content: systemPrompt(opts) },
            { role: "user", content: text.slice(0, MAX_PROMPT_CHARS) },
          ],
          tools,
          tool_choice: "required",
          temperature: 0,
        }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (err) {
      const name = err instanceof Error ? err.name : "Error";
      warn(
        { err: String(err), timeout: name === "TimeoutError" || name === "AbortError" },
        "intent llm: request failed",
      );
      return undefined;
    }
    let data: ChatResponse;
    try {
      const body = await res.text();
      if (!res.ok) {
        warn({ status: res.status, body: body.slice(0, 300) }, "intent llm: HTTP error");
        return undefined;
      }
      data = JSON.parse(body) as ChatResponse;
    } catch (err) {
      warn({ err: String(err) }, "intent llm: unreadable response");
      return undefined;
    }
    await report(data);
    const call = data.choices?.[0]?.message?.tool_calls?.[0]?.function;
    const intent = call?.name ? byName.get(call.name) : undefined;
    if (!call || !intent) {
      warn({ tool: call?.name }, "intent llm: no usable tool call");
      return undefined;
    }
    let args: unknown;
    try {
      args = call.arguments && call.arguments.trim() !== "" ? JSON.parse(call.arguments) : {};
    } catch {
      warn({ tool: call.name }, "intent llm: tool arguments are not JSON");
      return undefined;
    }
    const checked = validateResult(intent, args);
    if (!checked.ok) {
      warn({ tool: call.name, error: checked.error }, "intent llm: tool call failed validation");
      return undefined;
    }
    return {
      intent,
      slots: checked.slots,
      confidence: intent === "unknown" ? 0.3 : (options.llmConfidence ?? 0.85),
    };
  }

  return {
    async parse(text: string, opts: ParseOptions = {}): Promise<SourcedResult> {
      const rules = parseUtterance(text, opts);
      if (rules.intent !== "unknown" && rules.confidence >= threshold) return { ...rules, source: "rules" };
      // Nothing worth a model call: empty or whitespace-only input.
      if (typeof text !== "string" || text.trim() === "") return { ...rules, source: "rules" };
      const llm = await askModel(text, opts);
      // The model saying "unknown" does not override a rules guess.
      if (!llm || (llm.intent === "unknown" && rules.intent !== "unknown"))
        return { ...rules, source: "rules" };
      return { ...llm, source: "llm" };
    },
  };
}
