import pino from "pino";
import { createDiscordAdapter, type DiscordAdapterDeps } from "../../../adapters/discord/index.ts";
import type { ChannelAdapter, Dispatcher, Reply, Utterance } from "../../../src/channels/types.ts";
import type { Sql } from "../../../src/db/sql.ts";
import { FakeDiscord } from "../../fakes/discord/fake-discord.ts";

export const OWNER_ID = "300000000000000001";
export const STRANGER_ID = "300000000000000666";
export const REFUSAL = "Sorry, I only take instructions from my owner.";

export const logger = pino({ level: process.env.DISCORD_TEST_LOG ?? "silent" });

export function reply(partial: Partial<Reply> & { text: string }): Reply {
  return {
    speech: partial.text,
    buttons: [],
    actions: [],
    intent: "unknown",
    awaitingConfirmation: false,
    silent: false,
    ...partial,
  };
}

/**
 * A small real dispatcher for the tests: records every utterance, refuses senders that are not the
 * owner (as the hub's dispatcher does), and answers the owner with a scripted reply.
 */
export class TestDispatcher implements Dispatcher {
  readonly utterances: Utterance[] = [];
  /** what the owner is answered; tests swap it */
  answer: (u: Utterance) => Reply | Promise<Reply> = defaultAnswer;

  async handle(u: Utterance): Promise<Reply> {
    this.utterances.push(u);
    if (u.sender !== OWNER_ID) return reply({ text: REFUSAL, intent: "refused" });
    return this.answer(u);
  }

  countOf(messageId: string): number {
    return this.utterances.filter((u) => u.messageId === messageId).length;
  }
}

function defaultAnswer(u: Utterance): Reply {
  return reply({ text: `ok: ${u.text}`, intent: u.preset?.intent ?? "unknown" });
}

export interface Harness {
  fake: FakeDiscord;
  adapter: ChannelAdapter;
  stop(): Promise<void>;
}

/** A fake Discord, and an adapter connected to it through the real gateway handshake. */
export async function startHarness(o: {
  sql: Sql;
  dispatcher: Dispatcher;
  fake?: FakeDiscord;
  guildId?: string;
  channelIds?: string[];
  instanceId?: string;
  deps?: Partial<DiscordAdapterDeps>;
  waitForGateway?: boolean;
}): Promise<Harness> {
  const fake = o.fake ?? (await FakeDiscord.start());
  const adapter = createDiscordAdapter(
    {
      instanceId: o.instanceId ?? "hub-test-1",
      discord: {
        token: fake.token,
        applicationId: fake.applicationId,
        channelIds: o.channelIds ?? [fake.guildChannelIds[0] as string],
        guildId: o.guildId,
        apiBase: fake.apiBase,
      },
    },
    {
      sql: o.sql,
      logger,
      deferAfterMs: 1_500,
      lease: { ttlMs: 3_000, renewMs: 200, retryMs: 200 },
      ...o.deps,
    },
  );
  const abort = new AbortController();
  await adapter.start({ dispatcher: o.dispatcher, logger, signal: abort.signal });
  if (o.waitForGateway !== false) await fake.waitForConnection();
  return {
    fake,
    adapter,
    async stop() {
      await adapter.stop();
      if (!o.fake) await fake.close();
    },
  };
}
