export type { ArtifactStore, StoredArtifact } from "../../src/artifacts/store.ts";
export {
  createEmailAdapter,
  DEFAULT_EMAIL_TUNING,
  type EmailAdapterDeps,
  type EmailTuning,
} from "./adapter.ts";
export type { EmailArtifactInput, LinkArtifact } from "./handle-message.ts";
export type { Mailer } from "./mailer.ts";
export type { ReplyRateLimiter } from "./rate-limit.ts";
