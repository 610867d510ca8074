import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createArtifactStore } from "../../src/artifacts/store.ts";
import { startFakeS3 } from "../fakes/s3.ts";

describe("artifact store", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it("keeps files in the data folder by default, content-addressed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "agentops-art-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const store = createArtifactStore({ dataDir: dir, s3: undefined });
    const bytes = randomBytes(5000);
    const a = await store.put("report.pdf", "application/pdf", bytes);
    expect(store.kind).toBe("local");
    expect(a.uri.startsWith(`file://${dir}/artifacts/`)).toBe(true);
    expect(a.checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(a.sizeBytes).toBe(5000);
    expect(Buffer.from(await store.get(a.uri)).equals(bytes)).toBe(true);
    // The same bytes twice are one file.
    expect((await store.put("copy.pdf", undefined, bytes)).uri).toBe(a.uri);
    await expect(store.get("file:///etc/passwd")).rejects.toThrow(/outside/);
  });

  it("uses S3-compatible storage when S3_* is configured", async () => {
    const s3 = await startFakeS3("hub-artifacts");
    cleanups.push(s3.close);
    const store = createArtifactStore({
      dataDir: "/nonexistent",
      s3: {
        endpoint: s3.url,
        bucket: "hub-artifacts",
        region: "fr-par",
        accessKeyId: "SCWTESTKEY",
        secretAccessKey: "test-secret",
      },
    });
    const bytes = Buffer.from("hello artifact");
    const a = await store.put("note.txt", "text/plain", bytes);
    expect(a.uri).toMatch(/^s3:\/\/hub-artifacts\/artifacts\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
    expect(s3.requests.every((r) => r.authorized)).toBe(true);
    expect(Buffer.from(await store.get(a.uri)).toString()).toBe("hello artifact");
    await expect(store.get("s3://hub-artifacts/artifacts/nope")).rejects.toThrow(/missing/);
  });
});
