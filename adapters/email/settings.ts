import type { Config } from "../../src/config.ts";
import { HubError } from "../../src/errors.ts";
import { domainOf } from "./message-id.ts";

/** What the adapter reads from the hub's Config. */
export type EmailConfig = Pick<Config, "email" | "owner" | "dataDir" | "instanceId">;

export interface ImapTarget {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  /** user@host:port — for logs and the lease name; never the password */
  label: string;
}

export interface EmailSettings {
  imap: ImapTarget;
  smtpUrl: string;
  /** the From header as configured: "AgentOps <hub@example.com>" or a bare address */
  from: string;
  fromAddress: string;
  /** domain of our Message-IDs */
  idDomain: string;
  doneFolder: string;
  failedFolder: string;
  requireConfirm: boolean;
  pollMs: number;
  ownerEmails: string[];
  dataDir: string;
  instanceId: string;
}

export function parseImapUrl(url: string): ImapTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new HubError("config_invalid", "IMAP_URL is not a valid URL");
  }
  const secure = u.protocol === "imaps:";
  if (!secure && u.protocol !== "imap:")
    throw new HubError("config_invalid", "IMAP_URL must be imap:// or imaps://");
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  if (!user) throw new HubError("config_invalid", "IMAP_URL must carry a user name (imaps://user:pass@host)");
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const port = u.port ? Number(u.port) : secure ? 993 : 143;
  return { host, port, secure, user, pass, label: `${user}@${host}:${port}` };
}

/** The bare address inside "Name <addr>" (lowercased). */
export function addressOf(from: string): string {
  const m = /<([^<>\s]+@[^<>\s]+)>/.exec(from);
  return (m?.[1] ?? from).trim().toLowerCase();
}

/** Checks the email settings are complete; throws one HubError naming what is missing. */
export function resolveEmailSettings(config: EmailConfig): EmailSettings {
  const e = config.email;
  const missing = [
    e.imapUrl ? undefined : "IMAP_URL",
    e.smtpUrl ? undefined : "SMTP_URL",
    e.from ? undefined : "EMAIL_FROM",
  ].filter((x): x is string => x !== undefined);
  if (missing.length > 0 || !e.imapUrl || !e.smtpUrl || !e.from) {
    throw new HubError("config_invalid", `The email channel needs ${missing.join(", ")}`);
  }
  const fromAddress = addressOf(e.from);
  if (!/^[^@\s]+@[^@\s]+$/.test(fromAddress)) {
    throw new HubError("config_invalid", "EMAIL_FROM must be an address, like AgentOps <hub@example.com>");
  }
  return {
    imap: parseImapUrl(e.imapUrl),
    smtpUrl: e.smtpUrl,
    from: e.from,
    fromAddress,
    idDomain: domainOf(fromAddress),
    doneFolder: e.doneFolder,
    failedFolder: e.failedFolder,
    requireConfirm: e.requireConfirm,
    pollMs: e.pollMs,
    ownerEmails: config.owner.emails.map((a) => a.toLowerCase()),
    dataDir: config.dataDir,
    instanceId: config.instanceId,
  };
}
