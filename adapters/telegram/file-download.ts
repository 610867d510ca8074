import { readFile } from "node:fs/promises";
import { isAbsolute } from "node:path";
import type { Api } from "grammy";
import { HubError } from "../../src/errors.ts";
import { grammySignal } from "./retry.ts";

/** Telegram's getFile limit for bots on the public server. */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

export interface FileDownloader {
  download(fileId: string, signal?: AbortSignal): Promise<Uint8Array>;
}

/**
 * getFile, then `${apiRoot}/file/bot${token}/${file_path}`. A self-hosted Bot API server started
 * with `--local` answers with an absolute path on its own disk instead: that file is read directly
 * (the hub must see the server's working directory at the same path).
 * Errors never carry the URL: the token is in it.
 */
export function createFileDownloader(opts: {
  api: Api;
  apiRoot: string;
  token: string;
  maxBytes: number;
  timeoutMs: number;
}): FileDownloader {
  return {
    async download(fileId, signal) {
      const file = await opts.api.getFile(fileId, signal ? grammySignal(signal) : undefined);
      const path = file.file_path;
      if (!path) throw new HubError("unavailable", "Telegram gave no path for the file.");
      if ((file.file_size ?? 0) > opts.maxBytes) throw tooLarge(opts.maxBytes);
      if (isAbsolute(path)) return new Uint8Array(await readFile(path, signal ? { signal } : {}));

      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const res = await fetch(`${opts.apiRoot}/file/bot${opts.token}/${encodeURI(path)}`, {
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      }).catch((e: unknown) => {
        throw new HubError("unavailable", `The file download failed (${(e as Error).name}).`);
      });
      if (!res.ok) throw new HubError("unavailable", `The file download failed (HTTP ${res.status}).`);
      const length = Number(res.headers.get("content-length") ?? 0);
      if (length > opts.maxBytes) throw tooLarge(opts.maxBytes);
      const body = new Uint8Array(await res.arrayBuffer());
      if (body.byteLength > opts.maxBytes) throw tooLarge(opts.maxBytes);
      return body;
    },
  };
}

function tooLarge(max: number) {
  return new HubError("payload_too_large", `The file is larger than ${Math.round(max / 1024 / 1024)} MB.`);
}
