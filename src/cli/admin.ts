import { type ParseArgsConfig, parseArgs } from "node:util";
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

/**
 * The one-shot commands: each reads its arguments first (a mistake is a usage message, before
 * any database is opened or created), then opens the database, does its work, and closes it.
 */
export async function runAdminCommand(command: string, args: string[], config: Config, logger: Logger) {
  const read = COMMANDS[command];
  if (!read)
    throw new HubError("bad_request", `Unknown command "${command}". Run "agentops help" for the list.`);
  const run = read(args, config);
  const sql = await openDatabase(config, logger, { migrate: command !== "restore" });
  try {
    return await run(sql);
  } finally {
    await sql.close();
  }
}

/** A command with its arguments read: what it does with the database. */
type Run = (sql: Sql) => Promise<number>;
type Command = (args: string[], config: Config) => Run;

const usage = (text: string) => new HubError("bad_request", `Usage: ${text}`);

/** parseArgs, strict: an unknown option or a missing value is a usage error, said with the usage. */
function readArgs<O extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: O,
  text: string,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new HubError("bad_request", `${(e as Error).message}. Usage: ${text}`, { cause: e });
  }
}

/** "list" (the default) or "revoke ID": identities and sessions. */
function listOrRevoke(args: string[], text: string, list: Run, revoke: (id: string) => Run): Run {
  const [sub, id, ...extra] = readArgs(args, {}, text).positionals;
  if ((sub === "list" || sub === undefined) && id === undefined) return list;
  if (sub === "revoke" && id && extra.length === 0) return revoke(id);
  throw usage(text);
}

const COMMANDS: Record<string, Command> = {
  migrate(args) {
    const { positionals } = readArgs(args, {}, "agentops migrate");
    if (positionals.length > 0) throw usage("agentops migrate");
    return async (sql) => {
      const r = await migrate(sql);
      out(r.applied.length ? `Schema is at version ${r.to}.` : `Schema is up to date (version ${r.to}).`);
      return 0;
    };
  },

  agent(args) {
    const text =
      "agentops agent add NAME [--capabilities a,b] [--type worker|specialist] [--description TEXT]";
    const { positionals, values } = readArgs(
      args,
      {
        capabilities: { type: "string" },
        type: { type: "string" },
        description: { type: "string" },
      },
      text,
    );
    const [sub, name, ...extra] = positionals;
    if (sub !== "add" || !name || extra.length > 0) throw usage(text);
    const capabilities = values.capabilities
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    return async (sql) => {
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
    };
  },

  key(args) {
    const text = "agentops key create --admin";
    const { positionals, values } = readArgs(args, { admin: { type: "boolean" } }, text);
    if (positionals[0] !== "create" || positionals.length > 1 || !values.admin) throw usage(text);
    return async (sql) => {
      const k = await createApiKey(sql, { admin: true }, { label: "cli" });
      out(`Admin API key (shown once, keep it secret):\n${k.key}`);
      return 0;
    };
  },

  pair(args) {
    const { positionals } = readArgs(args, {}, "agentops pair");
    if (positionals.length > 0) throw usage("agentops pair");
    return async (sql) => {
      const p = await createPairingCode(sql);
      out(
        `Pairing code: ${p.code}\nSend it to the hub from the new Telegram, Discord or email identity within the hour; it works once.`,
      );
      return 0;
    };
  },

  identities: (args) =>
    listOrRevoke(
      args,
      "agentops identities list | agentops identities revoke ID",
      async (sql) => {
        const list = await listIdentities(sql);
        if (list.length === 0)
          out("No paired identities. Owners come from OWNER_* settings; `agentops pair` links more.");
        for (const i of list) out(`${i.id}  ${i.identity}  paired ${i.pairedAt.toISOString()}`);
        return 0;
      },
      (id) => async (sql) => {
        const r = await revokeIdentity(sql, id);
        out(`Revoked ${r.identity}.`);
        return 0;
      },
    ),

  "login-link"(args, config) {
    const { positionals } = readArgs(args, {}, "agentops login-link");
    if (positionals.length > 0) throw usage("agentops login-link");
    const publicUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
    return async (sql) => {
      const l = await createLoginLink(sql, { publicUrl });
      out(
        `Open this within 15 minutes to sign in to the dashboard (it works once):\n${l.url}\nor enter the code ${l.code}`,
      );
      return 0;
    };
  },

  sessions: (args) =>
    listOrRevoke(
      args,
      "agentops sessions list | agentops sessions revoke ID",
      async (sql) => {
        const list = await listSessions(sql);
        if (list.length === 0) out("No dashboard sessions.");
        for (const s of list)
          out(`${s.id}  created ${s.createdAt.toISOString()}  expires ${s.expiresAt.toISOString()}`);
        return 0;
      },
      (id) => async (sql) => {
        await revokeSession(sql, id);
        out(`Revoked session ${id}.`);
        return 0;
      },
    ),

  outbox(args) {
    const text = "agentops outbox list | agentops outbox retry [EVENT_ID ...]";
    const [sub, ...ids] = readArgs(args, {}, text).positionals;
    if ((sub === "list" || sub === undefined) && ids.length === 0) {
      return async (sql) => {
        const queued = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM unpublished_events");
        out(`${queued.rows[0]?.n ?? 0} events waiting to be published.`);
        const aside = await listSetAside(sql);
        if (aside.length === 0) out("No events set aside.");
        for (const a of aside)
          out(
            `${a.eventId}  ${a.type}  set aside ${a.setAsideAt.toISOString()} after ${a.attempts} attempts: ${a.error}`,
          );
        return 0;
      };
    }
    if (sub === "retry") {
      const numbers = ids.map(Number);
      if (numbers.some((n) => !Number.isSafeInteger(n) || n < 1))
        throw usage("agentops outbox retry [EVENT_ID ...]");
      return async (sql) => {
        const n = await requeueSetAside(sql, numbers.length > 0 ? numbers : undefined);
        out(n === 1 ? "1 event queued again." : `${n} events queued again.`);
        return 0;
      };
    }
    throw usage(text);
  },

  backup(args) {
    const [file, ...extra] = readArgs(args, {}, "agentops backup FILE").positionals;
    if (!file || extra.length > 0) throw usage("agentops backup FILE");
    return async (sql) => {
      const r = await backupDatabase(sql, file);
      const total = Object.values(r.rows).reduce((a, b) => a + b, 0);
      out(`Backed up ${total} rows from ${Object.keys(r.rows).length} tables to ${file}.`);
      return 0;
    };
  },

  restore(args) {
    const text = "agentops restore FILE [--force]";
    const { positionals, values } = readArgs(args, { force: { type: "boolean" } }, text);
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0) throw usage(text);
    return async (sql) => {
      const r = await restoreDatabase(sql, file, { force: values.force === true });
      const total = Object.values(r.rows).reduce((a, b) => a + b, 0);
      out(`Restored ${total} rows from ${file}.`);
      return 0;
    };
  },
};
