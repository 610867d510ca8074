import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { ImapFlow } from "imapflow";
import nodemailer, { type SendMailOptions } from "nodemailer";
import { freePort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";

const TEMPLATE = new URL("../fixtures/dovecot/dovecot.conf.template", import.meta.url);
const BINARIES = [
  process.env.DOVECOT_BIN,
  "/usr/sbin/dovecot",
  "/usr/local/sbin/dovecot",
  "/opt/homebrew/sbin/dovecot",
];

export interface Dovecot {
  imapPort: number;
  lmtpPort: number;
  user: string;
  password: string;
  /** the mailbox's address: LMTP delivers mail for it */
  address: string;
  /** imap://user:pass@127.0.0.1:port (loopback, so no TLS) */
  imapUrl: string;
  dir: string;
  /** delivers like an MTA: over LMTP. `raw` bytes as they are, or a message nodemailer builds. */
  deliver(mail: { raw: string | Buffer; envelopeFrom?: string } | SendMailOptions): Promise<void>;
  /** UIDs and parsed headers of the messages in a folder */
  list(
    folder: string,
  ): Promise<{ uid: number; messageId: string | undefined; subject: string | undefined; seen: boolean }[]>;
  log(): Promise<string>;
  stop(): Promise<void>;
}

function findDovecot(): string {
  const bin = BINARIES.find((b): b is string => !!b && existsSync(b));
  if (!bin) {
    throw new Error(
      "dovecot is not installed: the email tests need a real Dovecot. `.ci/run` installs it " +
        "(apt-get install -y dovecot-imapd dovecot-lmtpd); locally run the same, or set DOVECOT_BIN.",
    );
  }
  return bin;
}

/** The unprivileged account Dovecot runs as: ourselves, or `mail` (then `nobody`) when we are root. */
function runAs(): { user: string; group: string; uid: number; gid: number } {
  const me = userInfo();
  if (me.uid !== 0) {
    const group = execFileSync("id", ["-gn"], { encoding: "utf8" }).trim();
    return { user: me.username, group, uid: me.uid, gid: me.gid };
  }
  for (const name of ["mail", "nobody"]) {
    try {
      const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
      const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
      const group = execFileSync("id", ["-gn", name], { encoding: "utf8" }).trim();
      if (uid > 0) return { user: name, group, uid, gid };
    } catch {
      // try the next one
    }
  }
  throw new Error("running as root, but neither the `mail` nor the `nobody` user exists to run dovecot as");
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });

/** A real, throwaway Dovecot (IMAP + LMTP on loopback), one user, mail in a temp dir. */
export async function startDovecot(): Promise<Dovecot> {
  const bin = findDovecot();
  const who = runAs();
  const dir = await mkdtemp(join(tmpdir(), "agentops-dovecot-"));
  const [imapPort, lmtpPort] = [await freePort(), await freePort()];
  const user = "hub";
  const password = "test-password-1";
  const conf = (await readFile(TEMPLATE, "utf8"))
    .replaceAll("{{dir}}", dir)
    .replaceAll("{{user}}", who.user)
    .replaceAll("{{group}}", who.group)
    .replaceAll("{{uid}}", String(who.uid))
    .replaceAll("{{gid}}", String(who.gid))
    .replaceAll("{{imapPort}}", String(imapPort))
    .replaceAll("{{lmtpPort}}", String(lmtpPort));
  await writeFile(join(dir, "dovecot.conf"), conf);
  await writeFile(join(dir, "users"), `${user}:{PLAIN}${password}\n`);
  for (const sub of ["run", "state", "mail", "home"]) await mkdir(join(dir, sub));
  if (userInfo().uid === 0) {
    for (const p of ["", "dovecot.conf", "users", "run", "state", "mail", "home"]) {
      await chown(join(dir, p), who.uid, who.gid);
    }
  }
  await chmod(join(dir, "users"), 0o600);

  const child: ChildProcess = spawn(bin, ["-F", "-c", join(dir, "dovecot.conf")], {
    uid: who.uid,
    gid: who.gid,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += String(d)));
  child.stderr?.on("data", (d) => (output += String(d)));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exit.then(() => (exited = true));
  const readLog = async () =>
    `${output}\n${await readFile(join(dir, "dovecot.log"), "utf8").catch(() => "")}`;

  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`dovecot exited: ${await readLog()}`);
        return (await portOpen(imapPort)) && (await portOpen(lmtpPort));
      },
      { timeoutMs: 15_000, intervalMs: 50, what: "dovecot to listen" },
    );
  } catch (e) {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw e;
  }

  const address = `${user}@agentops.test`;
  const lmtp = nodemailer.createTransport({ lmtp: true, host: "127.0.0.1", port: lmtpPort, name: "mx.test" });
  const imapUrl = `imap://${user}:${password}@127.0.0.1:${imapPort}`;

  return {
    imapPort,
    lmtpPort,
    user,
    password,
    address,
    imapUrl,
    dir,
    async deliver(mail) {
      if ("raw" in mail && mail.raw !== undefined && !("from" in mail)) {
        const m = mail as { raw: string | Buffer; envelopeFrom?: string };
        await lmtp.sendMail({
          envelope: { from: m.envelopeFrom ?? "sender@example.com", to: [address] },
          raw: m.raw,
        });
        return;
      }
      await lmtp.sendMail({ to: address, ...(mail as SendMailOptions) });
    },
    async list(folder) {
      const c = new ImapFlow({
        host: "127.0.0.1",
        port: imapPort,
        secure: false,
        auth: { user, pass: password },
        logger: false,
      });
      await c.connect();
      try {
        const st = await c.status(folder, { messages: true }).catch(() => false as const);
        if (!st) return [];
        const lock = await c.getMailboxLock(folder, { readOnly: true });
        try {
          if (!c.mailbox || c.mailbox.exists === 0) return [];
          const out = [];
          for await (const m of c.fetch("1:*", { uid: true, envelope: true, flags: true })) {
            out.push({
              uid: m.uid,
              messageId: m.envelope?.messageId?.replace(/^<|>$/g, ""),
              subject: m.envelope?.subject,
              seen: m.flags?.has("\\Seen") ?? false,
            });
          }
          return out;
        } finally {
          lock.release();
        }
      } finally {
        await c.logout().catch(() => c.close());
      }
    },
    log: readLog,
    async stop() {
      lmtp.close();
      if (!exited) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exit;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
