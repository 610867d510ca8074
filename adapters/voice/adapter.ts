import type { FastifyInstance } from "fastify";
import type {
  AdapterContext,
  ChannelAdapter,
  Dispatcher,
  OutboundMessage,
} from "../../src/channels/types.ts";
import { listAgents, listProjects } from "../../src/core/index.ts";
import type { Sql } from "../../src/db/sql.ts";
import { HubError } from "../../src/errors.ts";
import { createMemoryCache } from "../../src/infra/memory-cache.ts";
import { deepgramFromConfig } from "../../src/speech/deepgram.ts";
import { requireVoiceToken } from "./auth.ts";
import { createNotificationQueue } from "./notification-queue.ts";
import type { VoiceRouteContext } from "./route-context.ts";
import { registerVoiceRoutes } from "./routes.ts";
import { DEFAULT_VOICE_TUNING, type VoiceAdapterConfig, type VoiceAdapterDeps } from "./settings.ts";
import { createTurnRunner } from "./turn-runner.ts";

export interface VoiceStatus {
  state: "new" | "running" | "stopped";
  /** VOICE_TOKEN is set: chat, completions, audio and models answer */
  token: boolean;
  /** speech-to-text for /v1/voice/audio */
  audio: boolean;
  /** TWILIO_AUTH_TOKEN and PUBLIC_URL are set */
  twilio: boolean;
}

export interface VoiceAdapter extends ChannelAdapter {
  readonly name: "voice";
  status(): VoiceStatus;
}

/** The projects' and agents' names: what speech-to-text should hear right. */
function namesOf(sql: Sql) {
  return async () => {
    const [projects, agents] = await Promise.all([listProjects(sql), listAgents(sql)]);
    return [
      ...projects.filter((p) => p.status === "active" || p.status === "paused").map((p) => p.name),
      ...agents.map((a) => a.name),
    ];
  };
}

/**
 * The voice channel: HTTP endpoints a voice stack (Vapi, Pipecat, LiveKit, a Groq + Cartesia
 * loop, Twilio) talks to, each turn one utterance for the dispatcher and a short spoken answer.
 * A call cannot be called back, so send() keeps notifications for the session's next turn.
 */
export function createVoiceAdapter(config: VoiceAdapterConfig, deps: VoiceAdapterDeps): VoiceAdapter {
  const tuning = { ...DEFAULT_VOICE_TUNING, ...deps.tuning };
  const log = deps.logger.child({ channel: "voice" });
  const now = deps.now ?? (() => new Date());
  const transcriber = deps.transcriber ?? deepgramFromConfig(config.deepgram, log);
  const notifications = createNotificationQueue({
    perSession: tuning.maxQueuedNotifications,
    ttlMs: tuning.notificationTtlMs,
    now: () => now().getTime(),
  });
  let state: VoiceStatus["state"] = "new";
  let dispatcher: Dispatcher | undefined;
  let stopping: Promise<void> | undefined;
  const mounted = new WeakSet<FastifyInstance>();

  const runner = createTurnRunner({
    dispatcher: () => (state === "running" ? dispatcher : undefined),
    cache: deps.cache ?? createMemoryCache({ maxEntries: 5_000 }),
    notifications,
    log,
    replayTtlMs: tuning.replayTtlMs,
    maxWords: tuning.maxWords,
  });

  const ctx: VoiceRouteContext = {
    config,
    tuning,
    sql: deps.sql,
    log,
    now,
    runner,
    running: () => state === "running",
    transcriber,
    keyterms: deps.keyterms ?? namesOf(deps.sql),
    requireToken: (req) =>
      requireVoiceToken(req, {
        token: config.voice.token,
        rateLimiter: deps.rateLimiter,
        failuresPerMinute: tuning.authFailuresPerMinute,
      }),
  };

  const status = (): VoiceStatus => ({
    state,
    token: Boolean(config.voice.token),
    audio: Boolean(transcriber),
    twilio: Boolean(config.voice.twilioAuthToken && config.publicUrl),
  });

  return {
    name: "voice",
    async start(c: AdapterContext) {
      if (state === "stopped")
        throw new HubError("conflict", "this voice adapter was stopped; create a new one");
      if (state === "running") return;
      dispatcher = c.dispatcher;
      state = "running";
      const s = status();
      if (!s.token) log.warn("VOICE_TOKEN is not set: the voice endpoints answer 503 (Twilio excepted)");
      log.info({ audio: s.audio, twilio: s.twilio, token: s.token }, "voice adapter started");
    },
    stop() {
      stopping ??= (async () => {
        const was = state;
        state = "stopped";
        await runner.drain();
        notifications.clear();
        if (was === "running") log.info("voice adapter stopped");
      })();
      return stopping;
    },
    async send(conversation: string, message: OutboundMessage) {
      if (state === "stopped") return;
      notifications.push(conversation, message);
      log.info({ conversation }, "voice notification kept for the session's next turn");
    },
    async routes(app: FastifyInstance) {
      if (mounted.has(app)) return;
      mounted.add(app);
      await registerVoiceRoutes(app, ctx);
    },
    status,
  };
}
