// Public surface of the intent parser; adapters import from here only.
export {
  CATALOG,
  getIntentSpec,
  type IntentSpec,
  type SlotName,
  slotSchemas,
  slotsJsonSchema,
  slotsSchema,
} from "./catalog.ts";
export { type CliIo, runParseCommand } from "./cli.ts";
export { createLlmParser, type LlmParser, type LlmParserOptions, type LlmUsage } from "./llm.ts";
export { parseUtterance, warmUpParser } from "./parse.ts";
export { asksForSeveralTasks } from "./rules/task-create.ts";
export { asksToBeTold } from "./rules/tasks.ts";
export * from "./types.ts";
export { validateResult } from "./validate.ts";
