import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { HubError } from "../errors.ts";
import type { ArtifactStore } from "./store.ts";

/** Content-addressed files under a folder: the same bytes are stored once. */
export function createLocalArtifactStore(dir: string): ArtifactStore {
  const root = resolve(dir);
  return {
    kind: "local",
    async put(_name, _mime, bytes) {
      const checksum = createHash("sha256").update(bytes).digest("hex");
      const folder = resolve(root, checksum.slice(0, 2));
      const path = resolve(folder, checksum);
      await mkdir(folder, { recursive: true });
      // Write then rename, so a crash never leaves a half file under the final name.
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, path);
      return { uri: pathToFileURL(path).href, sizeBytes: bytes.byteLength, checksum };
    },
    async get(uri) {
      if (!uri.startsWith("file:")) throw new HubError("bad_request", `not a local artifact: ${uri}`);
      const path = fileURLToPath(uri);
      if (!path.startsWith(`${root}/`))
        throw new HubError("forbidden", "artifact is outside the artifact folder");
      try {
        return new Uint8Array(await readFile(path));
      } catch (e) {
        throw new HubError("not_found", "artifact file is missing", { cause: e });
      }
    },
  };
}
