import type { ReplyButton, Utterance } from "./types.ts";

// Button data travels through the platform and back (Telegram allows 64 bytes), so it is a
// short code that decodes to an intent and slots; the press then takes the dispatcher's path.
const CODES: Record<string, string> = {
  d: "task.complete",
  a: "task.assign",
  x: "task.cancel",
  r: "task.reopen",
  s: "task.show",
};
const INTENT_CODES = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k]));

export function taskButton(label: string, intent: keyof typeof INTENT_CODES | string, taskNumber: number) {
  const code = INTENT_CODES[intent];
  if (!code) throw new Error(`no button code for ${intent}`);
  return { label, data: `t:${code}:${taskNumber}` } satisfies ReplyButton;
}

export function confirmButtons(): ReplyButton[] {
  return [
    { label: "Yes", data: "c:yes" },
    { label: "No", data: "c:no" },
  ];
}

/** The standard row under a task reply. */
export function taskButtons(taskNumber: number): ReplyButton[] {
  return [
    taskButton("Done", "task.complete", taskNumber),
    taskButton("Assign", "task.assign", taskNumber),
    taskButton("Cancel", "task.cancel", taskNumber),
  ];
}

/** Button data back to the intent it stands for; undefined for data we did not make. */
export function decodeButton(data: string): NonNullable<Utterance["preset"]> | undefined {
  const confirm = /^c:(yes|no)$/.exec(data);
  if (confirm?.[1]) return { intent: "confirm", slots: { answer: confirm[1] } };
  const task = /^t:([a-z]):(\d{1,12})$/.exec(data);
  const intent = task?.[1] ? CODES[task[1]] : undefined;
  if (task?.[2] && intent) return { intent, slots: { task: Number(task[2]) } };
  return undefined;
}
