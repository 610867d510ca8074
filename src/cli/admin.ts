import { parseArgs } from "node:util";
import { backupDatabase } from "../backup/backup.ts";
import { restoreDatabase } from "../backup/restore.ts";
import type { Config } from "../config.ts";
import { createPairingCode, listIdentities, revokeIdentity } from "../conversation/index.ts";
import { getAgent, registerAgent } from "../core/agents.ts";
import { createApiKey } from "../core/api-keys.ts";
import type { Actor } from "../core/types.ts";
import { migrate } from "../db/migrate.ts";
import { openDatabase } from "../db/open.ts";
import type { Sql } from "../db/sql.ts";
import { HubError, isHubError } from "../errors.ts";
import { listSetAside, requeueSetAside } from "../events/outbox-set-aside.ts";
import type { Logger } from "../logger.ts";
import { createLoginLink, listSessions, revokeSession } from "../web/index.ts";

const CLI: Actor = { kind: "admin", name: "cli" };
const out = (s: string) => process.stdout.write(`${s}\n`);

/** The one-shot commands: each opens the database, does its work, and closes it. */
export async function runAdminCommand(command: string, args: string[], config: Config, logger: Logger) {
  const run = COMMANDS[command];
  if (!run)
    throw new HubError("bad_request", `Unknown command "${command}". Run "agentops help" for the list.`);
  const sql = await openDatabase(config, logger, { migrate: command !== "restore" });
  try {
    return await run(sql, args, config);
  } finally {
    await sql.close();
  }
}

type Command = (sql: Sql, args: string[], config: Config) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  async migrate(sql) {
    const r = await migrate(sql);
    out(r.applied.length ? `Schema is at version ${r.to}.` : `Schema is up to date (version ${r.to}).`);
    return 0;
  },

  async agent(sql, args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        capabilities: { type: "string" },
        type: { type: "string" },
        description: { type: "string" },
      },
    });
    const [sub, name] = positionals;
    if (sub !== "add" || !name)
      throw new HubError("bad_request", "Usage: agentops agent add NAME [--capabilities a,b]");
    const capabilities = values.capabilities
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    let key: string;
    try {
      const r = await registerAgent(
        sql,
        {
          name,
          ...(capabilities ? { capabilities } : {}),
          ...(values.type ? { type: values.type as "worker" } : {}),
          ...(values.description ? { description: values.description } : {}),
        },
        { actor: CLI },
        { issueKey: true },
      );
      key = r.apiKey ?? "";
      out(`Registered agent ${r.agent.name}.`);
    } catch (e) {
      // An agent that exists (seed, cos) gets a new key of its own.
      if (!isHubError(e, "conflict")) throw e;
      const agent = await getAgent(sql, name);
      key = (await createApiKey(sql, { agentName: agent.name }, { label: "cli" })).key;
      out(`Agent ${agent.name} already exists; here is a new key for it.`);
    }
    out(`API key (shown once, keep it secret):\n${key}`);
    return 0;
  },

  async key(sql, args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { admin: { type: "boolean" } },
    });
    if (positionals[0] !== "create" || !values.admin) {
      throw new HubError("bad_request", "Usage: agentops key create --admin");
    }
    const k = await createApiKey(sql, { admin: true }, { label: "cli" });
    out(`Admin API key (shown once, keep it secret):\n${k.key}`);
    return 0;
  },

  async pair(sql) {
    const p = await createPairingCode(sql);
    out(
      `Pairing code: ${p.code}\nSend it to the hub from the new Telegram, Discord or email identity within the hour; it works once.`,
    );
    return 0;
  },

  async identities(sql, args) {
    const [sub, id] = args;
    if (sub === "list" || sub === undefined) {
      const list = await listIdentities(sql);
      if (list.length === 0)
        out("No paired identities. Owners come from OWNER_* settings; `agentops pair` links more.");
      for (const i of list) out(`${i.id}  ${i.identity}  paired ${i.pairedAt.toISOString()}`);
      return 0;
    }
    if (sub === "revoke" && id) {
      const r = await revokeIdentity(sql, id);
      out(`Revoked ${r.identity}.`);
      return 0;
    }
    throw new HubError("bad_request", "Usage: agentops identities list | agentops identities revoke ID");
  },

  async "login-link"(sql, _args, config) {
    const publicUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
    const l = await createLoginLink(sql, { publicUrl });
    out(
      `Open this within 15 minutes to sign in to the dashboard (it works once):\n${l.url}\nor enter the code ${l.code}`,
    );
    return 0;
  },

  async sessions(sql, args) {
    const [sub, id] = args;
    if (sub === "list" || sub === undefined) {
      const list = await listSessions(sql);
      if (list.length === 0) out("No dashboard sessions.");
      for (const s of list)
        out(`${s.id}  created ${s.createdAt.toISOString()}  expires ${s.expiresAt.toISOString()}`);
      return 0;
    }
    if (sub === "revoke" && id) {
      await revokeSession(sql, id);
      out(`Revoked session ${id}.`);
      return 0;
    }
    throw new HubError("bad_request", "Usage: agentops sessions list | agentops sessions revoke ID");
  },

  async outbox(sql, args) {
    const [sub, ...ids] = args;
    if (sub === "list" || sub === undefined) {
      const queued = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM unpublished_events");
      out(`${queued.rows[0]?.n ?? 0} events waiting to be published.`);
      const aside = await listSetAside(sql);
      if (aside.length === 0) out("No events set aside.");
      for (const a of aside)
        out(
          `${a.eventId}  ${a.type}  set aside ${a.setAsideAt.toISOString()} after ${a.attempts} attempts: ${a.error}`,
        );
      return 0;
    }
    if (sub === "retry") {
      const numbers = ids.map(Number);
      if (numbers.some((n) => !Number.isSafeInteger(n) || n < 1))
        throw new HubError("bad_request", "Usage: agentops outbox retry [EVENT_ID ...]");
      const n = await requeueSetAside(sql, numbers.length > 0 ? numbers : undefined);
      out(n === 1 ? "1 event queued again." : `${n} events queued again.`);
      return 0;
    }
    throw new HubError("bad_request", "Usage: agentops outbox list | agentops outbox retry [EVENT_ID ...]");
  },

  async backup(sql, args) {
    const file = args[0];
    if (!file) throw new HubError("bad_request", "Usage: agentops backup FILE");
    const r = await backupDatabase(sql, file);
    const total = Object.values(r.rows).reduce((a, b) => a + b, 0);
    out(`Backed up ${total} rows from ${Object.keys(r.rows).length} tables to ${file}.`);
    return 0;
  },

  async restore(sql, args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { force: { type: "boolean" } },
    });
    const file = positionals[0];
    if (!file) throw new HubError("bad_request", "Usage: agentops restore FILE [--force]");
    const r = await restoreDatabase(sql, file, { force: values.force === true });
    const total = Object.values(r.rows).reduce((a, b) => a + b, 0);
    out(`Restored ${total} rows from ${file}.`);
    return 0;
  },
};
