import { confirmButtons, taskButtons } from "../channels/buttons.ts";
import type { Reply, ReplyAction, ReplyButton } from "../channels/types.ts";
import { toSpeech } from "./speech.ts";

export interface ReplyParts {
  text: string;
  /** plain sentences; derived from text when absent */
  speech?: string;
  buttons?: ReplyButton[][];
  actions?: ReplyAction[];
  taskNumber?: number;
  awaitingConfirmation?: boolean;
}

/** Every reply the Chief of Staff gives goes through here, so speech is always cleaned and short. */
export function makeReply(intent: string, p: ReplyParts): Reply {
  const r: Reply = {
    text: p.text,
    speech: toSpeech(p.speech ?? p.text),
    buttons: p.buttons ?? [],
    actions: p.actions ?? [],
    intent,
    awaitingConfirmation: p.awaitingConfirmation ?? false,
    silent: false,
  };
  if (p.taskNumber !== undefined) r.taskNumber = p.taskNumber;
  return r;
}

/** A reply about one task: it carries the task's number and its Done/Assign/Cancel row. */
export function taskReply(
  intent: string,
  taskNumber: number,
  p: ReplyParts,
  opts: { buttons?: boolean } = {},
) {
  return makeReply(intent, {
    ...p,
    taskNumber,
    buttons: p.buttons ?? (opts.buttons === false ? [] : [taskButtons(taskNumber)]),
  });
}

/** A yes/no question; the next `confirm` answers it. */
export function confirmReply(intent: string, p: ReplyParts) {
  return makeReply(intent, { ...p, buttons: [confirmButtons()], awaitingConfirmation: true });
}

export function silentReply(intent: string): Reply {
  return {
    text: "",
    speech: "",
    buttons: [],
    actions: [],
    intent,
    awaitingConfirmation: false,
    silent: true,
  };
}
