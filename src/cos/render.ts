// Pure: a reply (or a message the hub starts) in the shape a channel shows it.

import { decodeButton } from "../channels/buttons.ts";
import type { ChannelName, OutboundMessage, Reply, ReplyButton } from "../channels/types.ts";

export interface Rendered {
  text: string;
  buttons: ReplyButton[][];
}

/** What a button would have done, as words a person can write back instead. */
function buttonHints(buttons: ReplyButton[][], taskNumber: number | undefined): string | undefined {
  const intents = new Set(buttons.flat().map((b) => decodeButton(b.data)?.intent));
  if (intents.has("confirm")) return 'Reply "yes" to go ahead, or "no" to leave it.';
  if (taskNumber !== undefined && intents.has("task.complete")) {
    return `Reply "done" to close task ${taskNumber}, "give it to seed" to assign it, or "cancel it".`;
  }
  return undefined;
}

/** Email: complete sentences, no buttons, list lines as sentences of their own. */
export function renderEmail(
  m: Pick<Reply, "text" | "buttons"> & { taskNumber?: number | undefined },
): string {
  const lines = m.text
    .split("\n")
    .map((l) => l.replace(/^\s*(?:[•*-]|\d+\.)\s*/, "").trim())
    .filter((l) => l.length > 0)
    .map((l) => (/[.!?:"')]$/.test(l) ? l : `${l}.`));
  const hint = buttonHints(m.buttons, m.taskNumber);
  return [...lines, ...(hint ? ["", hint] : [])].join("\n");
}

/** Voice gets the speech; email full sentences with what to reply; chats text and buttons. */
export function renderForChannel(m: Reply | OutboundMessage, channel: ChannelName): Rendered {
  const buttons = m.buttons ?? [];
  switch (channel) {
    case "voice":
      return { text: m.speech ?? m.text, buttons: [] };
    case "email":
      return { text: renderEmail({ text: m.text, buttons, taskNumber: m.taskNumber }), buttons: [] };
    default:
      return { text: m.text, buttons };
  }
}
