import { createHash, randomBytes } from "node:crypto";
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

export interface StoredArtifact {
  uri: string;
  sizeBytes: number;
  /** sha256 of the bytes, lowercase hex */
  checksum: string;
}

/** Where attachment bytes go. The file store is the default; S3 can take its place. */
export interface ArtifactStore {
  put(name: string, mime: string, bytes: Uint8Array): Promise<StoredArtifact>;
}

/**
 * Content-addressed files: DATA_DIR/artifacts/<sha256>. Writing the same bytes twice stores them
 * once; a write lands whole or not at all (temp file, then rename).
 */
export function createFileArtifactStore(dataDir: string): ArtifactStore {
  const dir = resolve(dataDir, "artifacts");
  return {
    async put(_name, _mime, bytes) {
      const checksum = createHash("sha256").update(bytes).digest("hex");
      const path = resolve(dir, checksum);
      const done = { uri: pathToFileURL(path).href, sizeBytes: bytes.byteLength, checksum };
      const existing = await stat(path).catch(() => undefined);
      if (existing?.size === bytes.byteLength) return done;
      await mkdir(dir, { recursive: true });
      const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(tmp, bytes, { mode: 0o640 });
      await rename(tmp, path);
      return done;
    },
  };
}
