/**
 * One error family for the whole hub. The code is stable and machine-readable; the message is
 * for a person and never carries a secret. HTTP status is mapped in src/http/errors.ts only.
 */
export type HubErrorCode =
  | "bad_request"
  | "validation"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "lease_conflict"
  | "rate_limited"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unavailable"
  | "config_invalid"
  | "internal";

export class HubError extends Error {
  readonly code: HubErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: HubErrorCode,
    message: string,
    opts: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "HubError";
    this.code = code;
    this.details = opts.details;
  }
}

export function isHubError(e: unknown, code?: HubErrorCode): e is HubError {
  return e instanceof HubError && (code === undefined || e.code === code);
}

export const notFound = (what: string, id: string | number) =>
  new HubError("not_found", `${what} ${JSON.stringify(String(id))} was not found`);
