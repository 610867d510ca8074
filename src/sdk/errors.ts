/** An error answer from the hub, or a request that never got one (status 0). */
export class AgentOpsApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "AgentOpsApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const isApiError = (e: unknown, code?: string): e is AgentOpsApiError =>
  e instanceof AgentOpsApiError && (code === undefined || e.code === code);
