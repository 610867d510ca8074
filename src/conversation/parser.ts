import { parseUtterance } from "../../intents/index.ts";
import type { ParseOptions, ParseResult } from "../../intents/types.ts";

/** What the dispatcher needs from a parser: the rules, the LLM parser, or a test's own. */
export interface Parser {
  parse(text: string, opts: ParseOptions): Promise<ParseResult>;
}

/** The rules alone: synchronous, no network, always available. */
export function createRulesParser(): Parser {
  return { parse: async (text, opts) => parseUtterance(text, opts) };
}
