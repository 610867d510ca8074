import nodemailer from "nodemailer";
import { HubError } from "../../src/errors.ts";
import { scrubSecrets } from "../../src/logger.ts";
import { type Outgoing, toMailOptions } from "./compose.ts";

/** Sends what compose.ts describes over SMTP_URL. */
export interface Mailer {
  send(m: Outgoing): Promise<void>;
  close(): void;
}

/** A pooled connection: replies to a batch of mail reuse it instead of a handshake each. */
export function createSmtpMailer(smtpUrl: string): Mailer {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 2,
    logger: false,
  });
  return {
    async send(m) {
      try {
        await transport.sendMail(toMailOptions(m));
      } catch (e) {
        // nodemailer errors can quote the URL; the URL holds the password
        throw new HubError("unavailable", `SMTP send failed: ${scrubSecrets((e as Error).message)}`);
      }
    },
    close() {
      transport.close();
    },
  };
}
