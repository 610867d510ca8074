import type { ArtifactStore } from "../../src/artifacts/store.ts";
import type { Dispatcher, Reply, Utterance } from "../../src/channels/types.ts";
import type { Sql } from "../../src/db/sql.ts";
import type { Logger } from "../../src/logger.ts";
import { cleanBody, firstLines, stripSubjectPrefixes } from "./clean-body.ts";
import { failureNoticeText, type Outgoing, replySubject } from "./compose.ts";
import { dropReason } from "./loop-guard.ts";
import type { Mailer } from "./mailer.ts";
import { newMessageId } from "./message-id.ts";
import { type ParsedEmail, parseMessage } from "./parse-message.ts";
import type { ReplyRateLimiter } from "./rate-limit.ts";
import type { EmailSettings } from "./settings.ts";
import {
  addAttachment,
  claimUnlinkedAttachments,
  createThread,
  type EmailThread,
  findThreadByMessageIds,
  markHandled,
  recordMessage,
  setThreadTask,
  unclaimAttachment,
  wasHandled,
} from "./threads.ts";

/** What linking an attachment to a task needs; the hub binds it to core createArtifact. */
export interface EmailArtifactInput {
  taskRef: number;
  name: string;
  kind: "file";
  uri: string;
  mimeType: string;
  sizeBytes: number;
  checksum: string;
  metadata: { source: "email"; messageId: string; sender: string };
}

export type LinkArtifact = (input: EmailArtifactInput, actor: { sender: string }) => Promise<unknown>;

export interface HandlerContext {
  settings: EmailSettings;
  sql: Sql;
  dispatcher: Dispatcher;
  mailer: Mailer;
  artifacts: ArtifactStore;
  createArtifact: LinkArtifact;
  isAuthorized: (address: string) => boolean | Promise<boolean>;
  limiter: ReplyRateLimiter;
  replyLimit: { limit: number; windowMs: number };
  logger: Logger;
  now: () => Date;
}

export type Disposition =
  | { folder: "done"; outcome: "handled" | "dropped" | "duplicate" }
  | { folder: "failed" };

/** One received message, start to end: parse, guard, dispatch, answer, keep its attachments. */
export async function handleMessage(raw: Buffer, ctx: HandlerContext): Promise<Disposition> {
  const parsed = await parseMessage(raw);
  if (!parsed.ok) {
    ctx.logger.warn({ messageId: parsed.messageId, reason: parsed.reason }, "malformed email moved aside");
    await tellSenderItFailed(parsed, ctx);
    return { folder: "failed" };
  }
  const mail = parsed.mail;
  const log = ctx.logger.child({ messageId: mail.messageId });
  const drop = dropReason(mail, ctx.settings);
  if (drop) {
    log.info({ reason: drop }, "email not answered");
    return { folder: "done", outcome: "dropped" };
  }
  if (await wasHandled(ctx.sql, mail.messageId)) return { folder: "done", outcome: "duplicate" };

  const sender = mail.from?.address as string; // parseMessage fails without one
  const known = await findThreadByMessageIds(ctx.sql, [...mail.inReplyTo, ...[...mail.references].reverse()]);
  const thread: EmailThread = known ?? {
    threadKey: mail.messageId,
    participant: sender,
    subject: stripSubjectPrefixes(mail.subject),
    taskNumber: undefined,
  };
  if (!known) await createThread(ctx.sql, thread);
  await recordMessage(ctx.sql, {
    messageId: mail.messageId,
    threadKey: thread.threadKey,
    direction: "in",
    sender,
  });

  const body = cleanBody(mail.text);
  const u: Utterance = {
    channel: "email",
    sender,
    conversation: thread.threadKey,
    // a new thread's subject is the command or the task title; a reply's first words are
    text: known
      ? firstLines(body) || stripSubjectPrefixes(mail.subject)
      : stripSubjectPrefixes(mail.subject) || firstLines(body),
    messageId: mail.messageId,
    receivedAt: ctx.now(),
    body,
    ...(mail.from?.name ? { senderName: mail.from.name } : {}),
    ...(thread.taskNumber !== undefined ? { context: { taskNumber: thread.taskNumber } } : {}),
  };
  // Delivery is confirmed after the answer went out: a crash in between re-sends it, never loses it.
  const reply = await ctx.dispatcher.handle({ ...u, confirmsDelivery: true });
  log.info(
    { sender, thread: thread.threadKey, intent: reply.intent, taskNumber: reply.taskNumber },
    "email handled",
  );

  if (!reply.silent && reply.text.trim()) await answer(mail, thread, reply, ctx);
  await ctx.dispatcher.delivered?.(u);
  if (reply.taskNumber !== undefined) await setThreadTask(ctx.sql, thread.threadKey, reply.taskNumber);
  await keepAttachments(mail, thread, reply, ctx);
  await markHandled(ctx.sql, mail.messageId);
  return { folder: "done", outcome: "handled" };
}

async function allowedToWrite(address: string, ctx: HandlerContext): Promise<boolean> {
  const r = await ctx.limiter.hit(`email:reply:${address}`, ctx.replyLimit.limit, ctx.replyLimit.windowMs);
  if (!r.allowed) ctx.logger.warn({ to: address }, "email reply rate limit reached: not answering");
  return r.allowed;
}

async function answer(mail: ParsedEmail, thread: EmailThread, reply: Reply, ctx: HandlerContext) {
  const to = mail.from?.address as string;
  if (!(await allowedToWrite(to, ctx))) return;
  const parentRefs = mail.references.length > 0 ? mail.references : mail.inReplyTo;
  const out: Outgoing = {
    from: ctx.settings.from,
    to,
    messageId: newMessageId(ctx.settings.idDomain),
    subject: replySubject(mail.subject, firstLines(reply.text, 70)),
    text: reply.text,
    thread: mail.messageIdSynthesized
      ? parentRefs.length > 0
        ? { inReplyTo: parentRefs[parentRefs.length - 1] as string, references: parentRefs.slice(0, -1) }
        : undefined
      : { inReplyTo: mail.messageId, references: parentRefs },
    kind: "auto-replied",
    taskNumber: reply.taskNumber ?? thread.taskNumber,
  };
  await ctx.mailer.send(out);
  await recordMessage(ctx.sql, {
    messageId: out.messageId,
    threadKey: thread.threadKey,
    direction: "out",
    sender: ctx.settings.fromAddress,
  });
}

/**
 * Attachments are stored when the dispatcher took the message (a task, or a question about
 * one), never for mail it refused; they are linked once the thread has a task.
 */
async function keepAttachments(mail: ParsedEmail, thread: EmailThread, reply: Reply, ctx: HandlerContext) {
  const sender = mail.from?.address as string;
  if (mail.attachments.length > 0 && (reply.taskNumber !== undefined || reply.awaitingConfirmation)) {
    for (const a of mail.attachments) {
      const stored = await ctx.artifacts.put(a.filename, a.contentType, a.content);
      await addAttachment(ctx.sql, {
        threadKey: thread.threadKey,
        messageId: mail.messageId,
        name: a.filename,
        mimeType: a.contentType,
        ...stored,
      });
    }
  }
  if (reply.taskNumber === undefined) return;
  for (const a of await claimUnlinkedAttachments(ctx.sql, thread.threadKey, reply.taskNumber)) {
    try {
      await ctx.createArtifact(
        {
          taskRef: reply.taskNumber,
          name: a.name,
          kind: "file",
          uri: a.uri,
          mimeType: a.mimeType,
          sizeBytes: a.sizeBytes,
          checksum: a.checksum,
          metadata: { source: "email", messageId: a.messageId, sender },
        },
        { sender },
      );
    } catch (e) {
      await unclaimAttachment(ctx.sql, a.id);
      ctx.logger.error(
        { err: e, taskNumber: reply.taskNumber, name: a.name },
        "attachment not linked to its task",
      );
    }
  }
}

async function tellSenderItFailed(
  parsed: { messageId: string; from: ParsedEmail["from"]; subject: string; reason: string },
  ctx: HandlerContext,
) {
  const to = parsed.from?.address;
  if (!to || to === ctx.settings.fromAddress) return;
  if (/^(mailer-daemon|postmaster)@/i.test(to)) return;
  if (!(await ctx.isAuthorized(to))) return;
  if (!(await allowedToWrite(to, ctx))) return;
  const synthesized = parsed.messageId.endsWith("@agentops.invalid");
  await ctx.mailer.send({
    from: ctx.settings.from,
    to,
    messageId: newMessageId(ctx.settings.idDomain),
    subject: replySubject(parsed.subject, "your message"),
    text: failureNoticeText(parsed.subject, parsed.reason, ctx.settings.failedFolder),
    thread: synthesized ? undefined : { inReplyTo: parsed.messageId, references: [] },
    kind: "auto-replied",
  });
}
