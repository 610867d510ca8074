import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { freePort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";

export interface SinkMail {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  parsed: ParsedMail;
  /** without angle brackets */
  messageId: string | undefined;
  inReplyTo: string | undefined;
  references: string[];
  subject: string;
  text: string;
  header(name: string): string | undefined;
}

export interface SmtpSink {
  port: number;
  /** smtp://user:pass@127.0.0.1:port — the sink takes any login */
  url: string;
  mails: SinkMail[];
  waitForMail(
    match: (m: SinkMail) => boolean,
    opts?: { timeoutMs?: number; what?: string },
  ): Promise<SinkMail>;
  stop(): Promise<void>;
}

const strip = (id: string) => id.trim().replace(/^<|>$/g, "");

/** An SMTP server that accepts everything and keeps what it got, parsed. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: SinkMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    disableReverseLookup: true,
    logger: false,
    size: 50 * 1024 * 1024,
    onAuth(_auth, _session, cb) {
      cb(null, { user: "sink" });
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            const refs = parsed.references;
            mails.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              raw,
              parsed,
              messageId: parsed.messageId ? strip(parsed.messageId) : undefined,
              inReplyTo: parsed.inReplyTo ? strip(parsed.inReplyTo) : undefined,
              references: (typeof refs === "string" ? refs.split(/\s+/) : (refs ?? []))
                .filter(Boolean)
                .map(strip),
              subject: parsed.subject ?? "",
              text: parsed.text ?? "",
              header: (name) => {
                const v = parsed.headers.get(name.toLowerCase());
                return v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
              },
            });
            cb();
          })
          .catch((e: Error) => cb(e));
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port,
    url: `smtp://sender:smtp-secret-1@127.0.0.1:${port}`,
    mails,
    waitForMail(match, opts = {}) {
      return waitFor(() => mails.find(match), {
        timeoutMs: opts.timeoutMs ?? 15_000,
        what: opts.what ?? "a mail",
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
