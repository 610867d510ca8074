import {
  type APIApplicationCommandInteractionDataOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import type { Utterance } from "../../src/channels/types.ts";

const PRIORITIES = ["low", "medium", "high", "critical"] as const;
const TASK_STATUSES = ["pending", "in_progress", "blocked", "completed", "failed", "cancelled"] as const;

const choices = (values: readonly string[]) => values.map((v) => ({ name: v.replace("_", " "), value: v }));
const common = {
  type: ApplicationCommandType.ChatInput as const,
  contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  integration_types: [ApplicationIntegrationType.GuildInstall],
};

/** The slash commands the hub registers (INTENTS.md, channel conventions). */
export const SLASH_COMMANDS: RESTPostAPIChatInputApplicationCommandsJSONBody[] = [
  {
    ...common,
    name: "task",
    description: "Create a task",
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: "title",
        description: "What needs doing",
        required: true,
        max_length: 200,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: "project",
        description: "Project name",
        max_length: 100,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: "priority",
        description: "How important",
        choices: choices(PRIORITIES),
      },
      {
        type: ApplicationCommandOptionType.String,
        name: "due",
        description: "Due date: 2026-11-27, or words like friday",
        max_length: 40,
      },
    ],
  },
  {
    ...common,
    name: "tasks",
    description: "List tasks, most important first",
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: "status",
        description: "Only tasks with this status",
        choices: choices(TASK_STATUSES),
      },
      {
        type: ApplicationCommandOptionType.String,
        name: "project",
        description: "Only this project",
        max_length: 100,
      },
    ],
  },
  { ...common, name: "status", description: "Briefing: what finished, what is blocked, what needs you" },
  { ...common, name: "agents", description: "Agents with their status and current task" },
  { ...common, name: "projects", description: "Projects with their progress" },
  { ...common, name: "help", description: "What the hub understands" },
];

export interface CommandUtterance {
  /** how a person would have typed it: for history and logs, and the parser when there is no preset */
  text: string;
  preset?: NonNullable<Utterance["preset"]>;
}

/**
 * A slash command and its options → the preset (intent + slots) and a text rendering. A `due` that is
 * not a calendar date ("friday") leaves the preset out, so the dispatcher's parser resolves it in the
 * owner's time zone. Undefined for a command the hub does not know or one missing a required option.
 */
export function commandUtterance(
  name: string,
  options: readonly APIApplicationCommandInteractionDataOption[] | undefined,
): CommandUtterance | undefined {
  const opt = (key: string) => stringOption(options, key);
  switch (name) {
    case "task": {
      const title = opt("title");
      if (!title) return undefined;
      const project = opt("project");
      const priority = oneOf(opt("priority"), PRIORITIES);
      const due = opt("due");
      const text = ["/task", title, project && `@${project}`, priority && `!${priority}`, due && `due ${due}`]
        .filter(Boolean)
        .join(" ");
      if (due && !isCalendarDate(due)) return { text };
      return { text, preset: { intent: "task.create", slots: compact({ title, project, priority, due }) } };
    }
    case "tasks": {
      const status = oneOf(opt("status"), TASK_STATUSES);
      const project = opt("project");
      const text = ["/tasks", status, project && `@${project}`].filter(Boolean).join(" ");
      return { text, preset: { intent: "task.list", slots: compact({ status, project }) } };
    }
    case "status":
      return { text: "/status", preset: { intent: "briefing", slots: {} } };
    case "agents":
      return { text: "/agents", preset: { intent: "agent.list", slots: {} } };
    case "projects":
      return { text: "/projects", preset: { intent: "project.list", slots: {} } };
    case "help":
      return { text: "/help", preset: { intent: "help", slots: {} } };
    default:
      return undefined;
  }
}

function stringOption(
  options: readonly APIApplicationCommandInteractionDataOption[] | undefined,
  name: string,
): string | undefined {
  const o = options?.find((x) => x.name === name);
  if (!o || !("value" in o) || typeof o.value !== "string") return undefined;
  const v = o.value.trim().replace(/\s+/g, " ");
  return v.length > 0 ? v : undefined;
}

function oneOf<T extends string>(v: string | undefined, allowed: readonly T[]): T | undefined {
  const lower = v?.toLowerCase().replace(" ", "_");
  return allowed.find((a) => a === lower);
}

export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** Slots carry only what was given: no empty strings, no undefined. */
function compact(o: Record<string, string | undefined>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
