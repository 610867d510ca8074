// Shared shapes of the intent contract (see /work/shared/INTENTS.md). Kept free of runtime code so
// every channel adapter can import them without pulling in the parser.

export const INTENT_NAMES = [
  "task.create",
  "task.list",
  "task.show",
  "task.update",
  "task.assign",
  "task.complete",
  "task.cancel",
  "task.reopen",
  "task.comment",
  "project.create",
  "project.list",
  "project.show",
  "project.pause",
  "project.resume",
  "project.complete",
  "project.cancel",
  "agent.list",
  "agent.show",
  "agent.create",
  "briefing",
  "notify.set",
  "confirm",
  "undo",
  "help",
  "unknown",
] as const;

export type IntentName = (typeof INTENT_NAMES)[number];

export type Priority = "low" | "medium" | "high" | "critical";
export type NotifyLevel = "all" | "important" | "none";
export type Answer = "yes" | "no";
/** A task named by number, by "it/that" (the last one talked about), or by words of its title. */
export type TaskRef = number | "last" | string;

export const CHANNELS = ["telegram", "discord", "email", "voice", "terminal", "web", "rest"] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Slots {
  title?: string;
  name?: string;
  description?: string;
  message?: string;
  project?: string;
  priority?: Priority;
  /** Calendar date YYYY-MM-DD in the parse's time zone. */
  due?: string;
  task?: TaskRef;
  assignee?: string;
  agent?: string;
  status?: string;
  level?: NotifyLevel;
  answer?: Answer;
  capabilities?: string[];
  channel?: string;
}

export interface ParseResult {
  intent: IntentName;
  slots: Slots;
  /** 0..1; callers send low values to an LLM or ask the person. */
  confidence: number;
}

export interface ParseOptions {
  channel?: Channel;
  now?: Date;
  timeZone?: string;
}
