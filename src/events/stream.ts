import { type JetStreamManager, NatsError, nanos, StorageType } from "nats";
import type { Logger } from "../logger.ts";

export interface StreamSpec {
  name: string;
  subjects: string[];
  duplicateWindowMs: number;
}

// JetStream API error code for "stream not found".
const STREAM_NOT_FOUND = 10059;

export function isStreamNotFound(e: unknown): boolean {
  return (
    e instanceof NatsError &&
    (e.api_error?.err_code === STREAM_NOT_FOUND || /stream not found/i.test(e.message))
  );
}

/**
 * Creates the stream, or updates an existing one to capture our subjects with our duplicate
 * window. Subjects an operator added are kept. Storage cannot change after creation: a stream
 * created in memory is only warned about.
 */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec, logger: Logger): Promise<void> {
  const window = nanos(spec.duplicateWindowMs);
  try {
    const info = await jsm.streams.info(spec.name);
    const have = info.config.subjects ?? [];
    const missing = spec.subjects.filter((s) => !have.includes(s));
    if (info.config.storage !== StorageType.File) {
      logger.warn(
        { stream: spec.name },
        "JetStream stream is not on file storage: events are lost if NATS restarts",
      );
    }
    if (missing.length === 0 && info.config.duplicate_window === window) return;
    await jsm.streams.update(spec.name, { subjects: [...have, ...missing], duplicate_window: window });
    logger.info({ stream: spec.name }, "JetStream stream updated");
  } catch (e) {
    if (!isStreamNotFound(e)) throw e;
    try {
      await jsm.streams.add({
        name: spec.name,
        subjects: spec.subjects,
        storage: StorageType.File,
        duplicate_window: window,
      });
      logger.info({ stream: spec.name, subjects: spec.subjects }, "JetStream stream created");
    } catch (addErr) {
      // Another hub instance created it first: fine if it is ours.
      await jsm.streams.info(spec.name).catch(() => {
        throw addErr;
      });
    }
  }
}
