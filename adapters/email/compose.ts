import type { SendMailOptions } from "nodemailer";
import { stripSubjectPrefixes } from "./clean-body.ts";
import { bracket, HUB_HEADER } from "./message-id.ts";

/** Where a message goes in a thread: the id it answers and the chain before it (oldest first). */
export interface ThreadPosition {
  inReplyTo: string;
  references: string[];
}

export interface Outgoing {
  from: string;
  to: string;
  messageId: string;
  subject: string;
  text: string;
  /** in a thread, or undefined for a new one */
  thread: ThreadPosition | undefined;
  /** `auto-replied` answers a person's mail; `auto-generated` is a notification (RFC 3834) */
  kind: "auto-replied" | "auto-generated";
  /** the task the message is about: a short footer tells how to answer */
  taskNumber?: number | undefined;
}

const MAX_REFERENCES = 12;

/** "Re: <original>", never "Re: Re: …". */
export function replySubject(original: string, fallback: string): string {
  const s = stripSubjectPrefixes(original) || fallback;
  return `Re: ${s}`;
}

/** The subject of a new mail the hub starts: the first line of its text. */
export function newSubject(text: string, taskNumber: number | undefined): string {
  const first = (text.split("\n")[0] ?? "").trim();
  const short = first.length > 78 ? `${first.slice(0, 77).trimEnd()}…` : first;
  const s = short || "AgentOps";
  return taskNumber !== undefined && !/\btask\s*#?\d+/i.test(s) ? `Task ${taskNumber}: ${s}` : s;
}

/** References keep the root and the most recent ids (RFC 5322 §3.6.4 allows trimming the middle). */
export function trimReferences(ids: readonly string[]): string[] {
  const unique = ids.filter((id, i) => ids.indexOf(id) === i);
  if (unique.length <= MAX_REFERENCES) return unique;
  return [unique[0] as string, ...unique.slice(-(MAX_REFERENCES - 1))];
}

const FOOTER = (n: number) =>
  `\n\n-- \nAgentOps · task ${n}. Reply to this email: "done", "cancel", "high priority", "assign to <agent>", or a note for the agent.`;

/** The MIME fields of one outgoing message (nodemailer builds the bytes). */
export function toMailOptions(m: Outgoing): SendMailOptions {
  const refs = m.thread ? trimReferences([...m.thread.references, m.thread.inReplyTo]) : [];
  const text = m.taskNumber !== undefined ? `${m.text.trimEnd()}${FOOTER(m.taskNumber)}` : m.text;
  return {
    from: m.from,
    to: m.to,
    subject: m.subject,
    text,
    messageId: bracket(m.messageId),
    ...(m.thread ? { inReplyTo: bracket(m.thread.inReplyTo), references: refs.map(bracket).join(" ") } : {}),
    headers: {
      "Auto-Submitted": m.kind,
      "X-Auto-Response-Suppress": "All",
      [HUB_HEADER]: "1",
    },
  };
}

/** One mail listing several notifications (they came in a short window). */
export function digestText(items: readonly { text: string; taskNumber?: number | undefined }[]): string {
  const lines = items.map((i) => {
    const t = i.text.trim().replace(/\n+/g, " ");
    return i.taskNumber !== undefined && !/\btask\s*#?\d+/i.test(t)
      ? `• Task ${i.taskNumber}: ${t}`
      : `• ${t}`;
  });
  return `${items.length} updates:\n\n${lines.join("\n")}`;
}

export function failureNoticeText(subject: string, reason: string, folder: string): string {
  const what = subject ? `your message "${subject}"` : "your message";
  return `I could not read ${what}: ${reason}. Nothing was done with it; it is kept in the ${folder} folder. Please send it again, as plain text if you can.`;
}
