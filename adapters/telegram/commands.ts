import type { BotCommand } from "grammy/types";

/** The commands shown in Telegram's menu (setMyCommands); the dispatcher's parser reads them as text. */
export const BOT_COMMANDS: readonly BotCommand[] = [
  { command: "task", description: "Add a task: /task TITLE @Project !priority" },
  { command: "tasks", description: "Open tasks, most important first" },
  { command: "status", description: "A short briefing" },
  { command: "agents", description: "Agents and what they are doing" },
  { command: "projects", description: "Projects and their progress" },
  { command: "undo", description: "Undo my last change" },
  { command: "help", description: "What I understand" },
  { command: "login", description: "A sign-in link for the dashboard" },
  { command: "start", description: "Start, or pair with a code" },
];
