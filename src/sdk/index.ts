export { AgentOpsClient, type AgentOpsClientOptions } from "./client.ts";
export { AgentOpsApiError, isApiError } from "./errors.ts";
export { type AgentLogger, type RunAgentOptions, runAgent, type TaskContext } from "./run-agent.ts";
export type * from "./types.ts";
