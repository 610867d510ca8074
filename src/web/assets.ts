import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Assets } from "./layout.ts";

export interface StaticFile {
  body: string;
  type: string;
}

/**
 * The page's script and stylesheet, read once when the routes are registered. Their URLs
 * carry a content hash, so browsers cache them for good and a new build is fetched at once.
 */
export function loadAssets(): { urls: Assets; files: Map<string, StaticFile> } {
  const files = new Map<string, StaticFile>();
  const urls: Record<string, string> = {};
  for (const [name, type] of [
    ["app.css", "text/css; charset=utf-8"],
    ["app.js", "text/javascript; charset=utf-8"],
  ] as const) {
    const body = readFileSync(new URL(`./static/${name}`, import.meta.url), "utf8");
    const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
    files.set(name, { body, type });
    urls[name] = `/web/static/${name}?v=${hash}`;
  }
  return { urls: { css: urls["app.css"] ?? "", js: urls["app.js"] ?? "" }, files };
}
