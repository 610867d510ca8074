import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Config } from "../config.ts";
import { HubError } from "../errors.ts";
import type { ArtifactStore } from "./store.ts";

/** Any S3-compatible object storage (Scaleway's included), content-addressed by sha256. */
export function createS3ArtifactStore(s3: NonNullable<Config["s3"]>): ArtifactStore {
  const client = new S3Client({
    region: s3.region,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    forcePathStyle: true,
    ...(s3.accessKeyId && s3.secretAccessKey
      ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } }
      : {}),
    // Plain bodies with a Content-MD5-free PUT work on every S3-compatible service.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return {
    kind: "s3",
    async put(name, mimeType, bytes) {
      const checksum = createHash("sha256").update(bytes).digest("hex");
      const key = `artifacts/${checksum.slice(0, 2)}/${checksum}`;
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: s3.bucket,
            Key: key,
            Body: bytes,
            ContentType: mimeType ?? "application/octet-stream",
            Metadata: { name: encodeURIComponent(name).slice(0, 512) },
          }),
        );
      } catch (e) {
        throw new HubError("unavailable", `object storage refused the artifact: ${(e as Error).name}`, {
          cause: e,
        });
      }
      return { uri: `s3://${s3.bucket}/${key}`, sizeBytes: bytes.byteLength, checksum };
    },
    async get(uri) {
      const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
      if (!m?.[1] || !m[2]) throw new HubError("bad_request", `not an s3 artifact: ${uri}`);
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
        if (!r.Body) throw new Error("empty body");
        return await r.Body.transformToByteArray();
      } catch (e) {
        throw new HubError("not_found", "artifact object is missing", { cause: e });
      }
    },
  };
}
