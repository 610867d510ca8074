import type { Config } from "../config.ts";
import { createLocalArtifactStore } from "./local-store.ts";
import { createS3ArtifactStore } from "./s3-store.ts";

export interface StoredArtifact {
  /** file:///... or s3://bucket/key: what the artifacts table records */
  uri: string;
  sizeBytes: number;
  /** sha256 hex of the bytes */
  checksum: string;
}

/** Where artifact bytes live: the data folder by default, S3-compatible storage when configured. */
export interface ArtifactStore {
  readonly kind: "local" | "s3";
  put(name: string, mimeType: string | undefined, bytes: Uint8Array): Promise<StoredArtifact>;
  get(uri: string): Promise<Uint8Array>;
}

export function createArtifactStore(config: Pick<Config, "s3" | "dataDir">): ArtifactStore {
  return config.s3
    ? createS3ArtifactStore(config.s3)
    : createLocalArtifactStore(`${config.dataDir}/artifacts`);
}
