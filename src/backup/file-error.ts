import { HubError } from "../errors.ts";

const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EROFS: "the file system is read-only",
  ENOSPC: "the disk is full",
  EISDIR: "it is a folder",
};

/**
 * A backup file's trouble named for a person: "Cannot `doing` `file`: reason." `missing` is
 * what ENOENT means here (no such file to read, or no folder to write into).
 */
export function fileError(doing: string, file: string, e: unknown, missing: string): HubError {
  const code = (e as NodeJS.ErrnoException).code ?? "";
  const reason =
    code === "ENOENT" ? missing : (REASONS[code] ?? (e instanceof Error ? e.message : String(e)));
  return new HubError("bad_request", `Cannot ${doing} ${file}: ${reason}.`, { cause: e });
}
