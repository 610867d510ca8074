import { ImapFlow } from "imapflow";
import { acquireSingleton, holdsSingleton, releaseSingleton } from "../../src/channels/singleton.ts";
import type { Sql } from "../../src/db/sql.ts";
import { type Logger, scrubSecrets } from "../../src/logger.ts";
import { backoffMs, sleep } from "./abortable.ts";
import type { Disposition } from "./handle-message.ts";
import { loadMailboxState, type MailboxState, saveMailboxState } from "./mailbox-state.ts";
import type { EmailSettings } from "./settings.ts";

export interface WatcherTuning {
  /** singleton lease length; renewed every third of it */
  leaseTtlMs: number;
  /** reconnect backoff */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** idle connection time before imapflow starts IDLE */
  idleDelayMs: number;
  /** a message whose handling throws this many times goes to the failed folder */
  maxAttempts: number;
}

export interface WatcherOptions {
  settings: EmailSettings;
  sql: Sql;
  logger: Logger;
  signal: AbortSignal;
  tuning: WatcherTuning;
  handle(raw: Buffer, uid: number): Promise<Disposition>;
}

const INBOX = "INBOX";

/**
 * Watches INBOX while this instance holds the lease `email:<mailbox>`: handles each new message
 * once, in UID order, then flags it \Seen and moves it to the done or failed folder. Wakes on
 * IDLE's EXISTS and polls every pollMs (the fallback where IDLE is missing). Reconnects with
 * backoff; returns when `signal` aborts, after the message in hand is finished.
 */
export async function watchMailbox(opts: WatcherOptions): Promise<void> {
  const { settings, sql, signal, tuning } = opts;
  const log = opts.logger;
  const leaseName = `email:${settings.imap.label}/${INBOX}`;
  const holder = settings.instanceId;
  const attempts = new Map<number, number>();
  let failures = 0;
  let waitingLogged = false;
  try {
    while (!signal.aborted) {
      const lease = await acquireSingleton(sql, leaseName, holder, tuning.leaseTtlMs).catch((e: unknown) => {
        log.warn({ err: scrubSecrets(String(e)) }, "could not take the mailbox lease");
        return undefined;
      });
      if (!lease) {
        if (!waitingLogged)
          log.info({ lease: leaseName }, "another hub instance watches the mailbox; standing by");
        waitingLogged = true;
        await sleep(Math.max(100, Math.floor(tuning.leaseTtlMs / 3)), signal);
        continue;
      }
      waitingLogged = false;
      try {
        const outcome = await session(opts, leaseName, lease.fencingToken, attempts, () => {
          failures = 0;
        });
        if (outcome === "lease_lost") log.warn({ lease: leaseName }, "mailbox lease lost; standing by");
      } catch (e) {
        failures += 1;
        const wait = backoffMs(failures, tuning.reconnectMinMs, tuning.reconnectMaxMs);
        log.warn(
          { err: scrubSecrets((e as Error).message ?? String(e)), retryInMs: wait },
          "IMAP session ended",
        );
        await sleep(wait, signal);
      }
    }
  } finally {
    await releaseSingleton(sql, leaseName, holder).catch(() => undefined);
  }
}

async function session(
  opts: WatcherOptions,
  leaseName: string,
  fencingToken: number,
  attempts: Map<number, number>,
  onConnected: () => void,
): Promise<"aborted" | "lease_lost"> {
  const { settings, sql, signal, tuning } = opts;
  const log = opts.logger;
  const { imap } = settings;
  const client = new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: imap.secure,
    auth: { user: imap.user, pass: imap.pass },
    logger: false,
    autoIdleDelay: tuning.idleDelayMs,
    connectionTimeout: 30_000,
  });
  let dirty = true;
  let closed = false;
  let wake: () => void = () => {};
  client.on("exists", () => {
    dirty = true;
    wake();
  });
  client.on("close", () => {
    closed = true;
    wake();
  });
  client.on("error", (e: Error) => {
    log.debug({ err: scrubSecrets(e.message) }, "IMAP connection error");
    wake();
  });
  const onAbort = () => wake();
  signal.addEventListener("abort", onAbort);
  try {
    await client.connect();
    for (const folder of [settings.doneFolder, settings.failedFolder]) await client.mailboxCreate(folder);
    onConnected();
    log.info({ idle: client.capabilities.has("IDLE") }, "watching the mailbox");
    let renewedAt = Date.now();
    const renewEvery = Math.max(50, Math.floor(tuning.leaseTtlMs / 3));
    const leaseOk = async () => {
      if (Date.now() - renewedAt >= renewEvery) {
        const l = await acquireSingleton(sql, leaseName, settings.instanceId, tuning.leaseTtlMs);
        if (!l || l.fencingToken !== fencingToken) return false;
        renewedAt = Date.now();
        return true;
      }
      return holdsSingleton(sql, leaseName, settings.instanceId, fencingToken);
    };
    for (;;) {
      if (signal.aborted) return "aborted";
      if (closed) throw new Error("the IMAP server closed the connection");
      if (!(await leaseOk())) return "lease_lost";
      if (dirty) {
        dirty = false;
        const r = await scan(client, opts, leaseOk, attempts);
        if (r === "lease_lost") return r;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(settings.pollMs, renewEvery));
        function done() {
          clearTimeout(timer);
          wake = () => {};
          resolve();
        }
        wake = done;
        if (dirty || closed || signal.aborted) done();
      });
      // woken by EXISTS, or the poll timer: where the server has no IDLE, this is how mail is found
      dirty = true;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    if (!closed) await client.logout().catch(() => client.close());
    else client.close();
  }
}

/** Handles every message above the last handled UID; moves leftovers that were handled already. */
async function scan(
  client: ImapFlow,
  opts: WatcherOptions,
  leaseOk: () => Promise<boolean>,
  attempts: Map<number, number>,
): Promise<"done" | "lease_lost"> {
  const { settings, sql, signal, tuning } = opts;
  const log = opts.logger;
  const mailbox = settings.imap.label;
  const lock = await client.getMailboxLock(INBOX);
  try {
    const box = client.mailbox;
    if (!box) throw new Error("INBOX is not selected");
    const uidValidity = String(box.uidValidity);
    let state: MailboxState | undefined = await loadMailboxState(sql, mailbox);
    if (!state || state.uidValidity !== uidValidity) {
      if (state)
        log.warn({ was: state.uidValidity, now: uidValidity }, "UIDVALIDITY changed: rescanning INBOX");
      state = { uidValidity, lastUid: 0 };
      await saveMailboxState(sql, mailbox, state);
    }
    const uids = ((await client.search({ all: true }, { uid: true })) || []).sort((a, b) => a - b);
    const last = state.lastUid;
    // handled, but the move did not happen (a crash or a dropped connection in between)
    const leftovers = uids.filter((u) => u <= last);
    if (leftovers.length > 0) await moveTo(client, leftovers, settings.doneFolder);

    for (const uid of uids.filter((u) => u > last)) {
      if (signal.aborted) break;
      if (!(await leaseOk())) return "lease_lost";
      const msg = await client.fetchOne(String(uid), { source: true }, { uid: true });
      let folder = settings.doneFolder;
      if (msg !== false && msg.source) {
        try {
          const d = await opts.handle(msg.source, uid);
          if (d.folder === "failed") folder = settings.failedFolder;
        } catch (e) {
          const n = (attempts.get(uid) ?? 0) + 1;
          attempts.set(uid, n);
          if (n < tuning.maxAttempts) throw e;
          log.error(
            { uid, err: scrubSecrets(String(e)) },
            "email could not be handled; moved to the failed folder",
          );
          folder = settings.failedFolder;
        }
        attempts.delete(uid);
      }
      state = { uidValidity, lastUid: uid };
      await saveMailboxState(sql, mailbox, state);
      await moveTo(client, [uid], folder);
    }
    return "done";
  } finally {
    lock.release();
  }
}

async function moveTo(client: ImapFlow, uids: number[], folder: string): Promise<void> {
  const range = uids.join(",");
  await client.messageFlagsAdd(range, ["\\Seen"], { uid: true });
  await client.messageMove(range, folder, { uid: true });
}
