import { randomUUID } from "node:crypto";
import type { ChannelName, Reply, Utterance } from "../../src/channels/types.ts";
import { createDispatcher, type DispatcherDeps } from "../../src/conversation/dispatcher.ts";
import { createRulesParser } from "../../src/conversation/parser.ts";
import { createLogger } from "../../src/logger.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";

export const OWNER_TELEGRAM = "100";

export const testConfig: DispatcherDeps["config"] = {
  owner: {
    name: "Ana",
    telegramIds: [OWNER_TELEGRAM],
    discordIds: ["200"],
    emails: ["ana@example.com"],
    phones: ["+33600000000"],
  },
  timeZone: "Europe/Paris",
  leaseSeconds: 300,
  maxAttempts: 3,
  agentOfflineSeconds: 120,
  voice: { minConfidence: 0.6 },
};

export const logger = createLogger({ level: "silent" });

export interface Harness {
  db: TestDb;
  dispatcher: ReturnType<typeof createDispatcher>;
  /** the owner talking on Telegram unless told otherwise */
  say(text: string, u?: Partial<Utterance>): Promise<Reply>;
  /** a new dispatcher over the same database: what a restart gives */
  restart(opts?: Partial<DispatcherDeps>): void;
}

export async function createHarness(opts: Partial<DispatcherDeps> = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const make = (o: Partial<DispatcherDeps>) =>
    createDispatcher({ sql: db.sql, parser: createRulesParser(), logger, config: testConfig, ...o });
  const h: Harness = {
    db,
    dispatcher: make(opts),
    say(text, u = {}) {
      const channel: ChannelName = u.channel ?? "telegram";
      return h.dispatcher.handle({
        channel,
        sender: OWNER_TELEGRAM,
        conversation: OWNER_TELEGRAM,
        text,
        messageId: randomUUID(),
        receivedAt: new Date(),
        ...u,
      });
    },
    restart(o = {}) {
      h.dispatcher = make({ ...opts, ...o });
    },
  };
  return h;
}

/** A task's row as the database has it now. */
export async function taskRow(db: TestDb, n: number) {
  const r = await db.sql.query<{
    status: string;
    title: string;
    priority: number;
    assigned_to: string | null;
  }>("SELECT status, title, priority, assigned_to FROM tasks WHERE number = $1", [n]);
  return r.rows[0];
}
