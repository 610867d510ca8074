import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createEmailAdapter,
  type EmailAdapterDeps,
  type EmailArtifactInput,
} from "../../../adapters/email/index.ts";
import type { EmailConfig } from "../../../adapters/email/settings.ts";
import type { ChannelAdapter, Dispatcher, Reply, Utterance } from "../../../src/channels/types.ts";
import { createLogger } from "../../../src/logger.ts";
import { type Dovecot, startDovecot } from "../../fakes/dovecot.ts";
import { type SmtpSink, startSmtpSink } from "../../fakes/smtp-sink.ts";
import { createTestDatabase, type TestDb } from "../../helpers/db.ts";

export const OWNER = "alice@example.com";
export const HUB = "hub@agentops.test";
/** quick leases, polls and retries for tests */
export const FAST = {
  leaseTtlMs: 3_000,
  idleDelayMs: 100,
  reconnectMinMs: 100,
  reconnectMaxMs: 1_000,
  digestWindowMs: 300,
};

export const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

const reply = (intent: string, text: string, extra: Partial<Reply> = {}): Reply => ({
  text,
  speech: text,
  buttons: [],
  actions: [],
  intent,
  awaitingConfirmation: false,
  silent: false,
  ...extra,
});

/**
 * A small dispatcher of the tests' own: it records every utterance and answers from a script —
 * the owner's new threads create tasks, "done" in a task's thread completes it, anything else
 * there is a comment, strangers get one refusal. Like the real one, a repeated messageId is silent.
 */
export function createTestDispatcher(opts: { owners?: string[]; firstTask?: number } = {}) {
  const owners = new Set(opts.owners ?? [OWNER]);
  const utterances: Utterance[] = [];
  const seen = new Set<string>();
  let next = opts.firstTask ?? 100;
  const d: Dispatcher & { utterances: Utterance[]; onHandle?: (u: Utterance) => void | Promise<void> } = {
    utterances,
    async handle(u) {
      utterances.push(u);
      await d.onHandle?.(u);
      if (seen.has(u.messageId)) return reply("duplicate", "", { silent: true });
      seen.add(u.messageId);
      if (!owners.has(u.sender)) return reply("refused", "Sorry, I only take instructions from my owner.");
      const n = u.context?.taskNumber;
      if (n !== undefined) {
        if (/^done\b/i.test(u.text))
          return reply("task.complete", `Task ${n} is completed.`, { taskNumber: n });
        return reply("task.comment", `Noted on task ${n}.`, { taskNumber: n });
      }
      if (/^(brief me|status)$/i.test(u.text))
        return reply("briefing", "Nothing is blocked. 2 tasks are open.");
      const t = next++;
      return reply("task.create", `Created task ${t}: ${u.text}`, { taskNumber: t });
    },
  };
  return d;
}

export interface EmailHarness {
  db: TestDb;
  dovecot: Dovecot;
  sink: SmtpSink;
  dataDir: string;
  config: EmailConfig;
  linked: EmailArtifactInput[];
  /** a new adapter (a new hub instance when `instanceId` differs) */
  adapter(opts?: { instanceId?: string; deps?: Partial<EmailAdapterDeps> }): ChannelAdapter;
  /** starts an adapter with a dispatcher; stop() it or let close() do it */
  start(
    dispatcher: Dispatcher,
    opts?: { instanceId?: string; deps?: Partial<EmailAdapterDeps> },
  ): Promise<ChannelAdapter>;
  close(): Promise<void>;
}

export async function createEmailHarness(): Promise<EmailHarness> {
  const [db, dovecot, sink] = await Promise.all([createTestDatabase(), startDovecot(), startSmtpSink()]);
  const dataDir = await mkdtemp(join(tmpdir(), "agentops-email-data-"));
  const linked: EmailArtifactInput[] = [];
  const config: EmailConfig = {
    email: {
      imapUrl: dovecot.imapUrl,
      smtpUrl: sink.url,
      from: `AgentOps <${HUB}>`,
      doneFolder: "AgentOps/Done",
      failedFolder: "AgentOps/Failed",
      requireConfirm: false,
      pollMs: 250,
    },
    owner: { name: "Alice", telegramIds: [], discordIds: [], emails: [OWNER], phones: [] },
    dataDir,
    instanceId: "hub-test-1",
  };
  const started: ChannelAdapter[] = [];
  const h: EmailHarness = {
    db,
    dovecot,
    sink,
    dataDir,
    config,
    linked,
    adapter(opts = {}) {
      return createEmailAdapter(
        { ...config, instanceId: opts.instanceId ?? config.instanceId },
        {
          sql: db.sql,
          logger,
          async createArtifact(input) {
            linked.push(input);
          },
          tuning: FAST,
          ...opts.deps,
        },
      );
    },
    async start(dispatcher, opts = {}) {
      const a = h.adapter(opts);
      started.push(a);
      await a.start({ dispatcher, logger, signal: new AbortController().signal });
      return a;
    },
    async close() {
      await Promise.all(started.map((a) => a.stop()));
      await Promise.all([
        dovecot.stop(),
        sink.stop(),
        db.drop(),
        rm(dataDir, { recursive: true, force: true }),
      ]);
    },
  };
  return h;
}
