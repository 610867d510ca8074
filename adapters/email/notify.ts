import type { OutboundMessage } from "../../src/channels/types.ts";
import type { Sql } from "../../src/db/sql.ts";
import { HubError } from "../../src/errors.ts";
import { digestText, newSubject, type Outgoing, replySubject } from "./compose.ts";
import type { Mailer } from "./mailer.ts";
import { newMessageId } from "./message-id.ts";
import type { EmailSettings } from "./settings.ts";
import { createThread, findThreadByTask, getThread, recordMessage, threadChain } from "./threads.ts";

const isAddress = (s: string) => /^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/.test(s);

/** Who a conversation's mail goes to: its thread's person, an address, or the owner. */
async function recipientOf(sql: Sql, settings: EmailSettings, conversation: string): Promise<string> {
  if (isAddress(conversation)) return conversation.toLowerCase();
  const t = conversation ? await getThread(sql, conversation) : undefined;
  const to = t?.participant ?? settings.ownerEmails[0];
  if (!to) throw new HubError("unavailable", "No email address to send to: set OWNER_EMAILS");
  return to;
}

/**
 * A batch of notifications for one conversation becomes mail: about one task, into that task's
 * thread (a new thread for the task when it has none); about several, one digest as new mail;
 * about none, new mail to the person.
 */
export async function deliverNotifications(
  deps: { sql: Sql; settings: EmailSettings; mailer: Mailer },
  conversation: string,
  messages: OutboundMessage[],
): Promise<void> {
  const { sql, settings, mailer } = deps;
  const tasks = [...new Set(messages.map((m) => m.taskNumber))];
  const oneTask = tasks.length === 1 ? tasks[0] : undefined;
  const text =
    messages.length === 1
      ? (messages[0]?.text ?? "")
      : tasks.length === 1
        ? messages.map((m) => m.text.trim()).join("\n\n")
        : digestText(messages);
  const thread = oneTask !== undefined ? await findThreadByTask(sql, oneTask) : undefined;
  const to = thread?.participant ?? (await recipientOf(sql, settings, conversation));
  const messageId = newMessageId(settings.idDomain);
  let out: Outgoing;
  if (thread) {
    const chain = await threadChain(sql, thread.threadKey);
    const inReplyTo = chain[chain.length - 1] ?? thread.threadKey;
    out = {
      from: settings.from,
      to,
      messageId,
      subject: replySubject(thread.subject, newSubject(text, oneTask)),
      text,
      thread: { inReplyTo, references: chain.slice(0, -1) },
      kind: "auto-generated",
      taskNumber: oneTask,
    };
  } else {
    const subject =
      messages.length > 1 && tasks.length > 1
        ? `AgentOps: ${messages.length} updates`
        : newSubject(text, oneTask);
    out = {
      from: settings.from,
      to,
      messageId,
      subject,
      text,
      thread: undefined,
      kind: "auto-generated",
      taskNumber: oneTask,
    };
  }
  await mailer.send(out);
  const threadKey = thread?.threadKey ?? messageId;
  if (!thread)
    await createThread(sql, { threadKey, participant: to, subject: out.subject, taskNumber: oneTask });
  await recordMessage(sql, { messageId, threadKey, direction: "out", sender: settings.fromAddress });
}
