/** The web dashboard: mount with registerWebRoutes; sign-in links come from createLoginLink. */
export type { WebConfig, WebDeps, WebOptions } from "./deps.ts";
export { registerWebRoutes } from "./routes.ts";
export {
  createLoginLink,
  LOGIN_CODE_TTL_MS,
  type LoginLink,
  listSessions,
  revokeSession,
  SESSION_TTL_MS,
  type WebSession,
} from "./sessions.ts";
