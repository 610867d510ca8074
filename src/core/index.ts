/** The core operations: see README.md. Everything the API, dispatcher and CLI use is here. */
export * from "./agents.ts";
export * from "./api-keys.ts";
export * from "./artifacts.ts";
export { inTransaction, toHubError } from "./db-errors.ts";
export * from "./events.ts";
export * from "./model-usage.ts";
export { PRIORITY_NAMES, parsePriority, priorityBand, priorityName } from "./priority.ts";
export * from "./projects.ts";
export { isUuid, parseTaskRef } from "./refs.ts";
export * from "./task-changes.ts";
export * from "./task-leases.ts";
export { summarize, taskPayload } from "./task-payload.ts";
export * from "./task-transitions.ts";
export * from "./task-updates.ts";
export * from "./tasks.ts";
export { matchName } from "./text-match.ts";
export * from "./tools.ts";
export * from "./types.ts";
