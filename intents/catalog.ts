// The catalog as data: one place that drives slot validation (rules output, LLM tool calls) and the
// JSON Schemas of the LLM tools, so the contract cannot drift between the two parse modes.
import { z } from "zod";
import type { IntentName } from "./types.ts";

const text = z.string().trim().min(1).max(2000);
const priority = z.enum(["low", "medium", "high", "critical"]);
const due = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .describe("calendar date YYYY-MM-DD");
const task = z
  .union([z.number().int().positive(), z.string().trim().min(1).max(500)])
  .describe('task number, "last" for it/that, or words of the task title');
const taskStatus = z.enum(["pending", "in_progress", "blocked", "completed", "failed", "cancelled"]);
const projectStatus = z.enum(["active", "paused", "completed", "cancelled"]);
const agentName = z.string().trim().min(1).max(100).describe("agent name as said");
const projectName = z.string().trim().min(1).max(200).describe("project name as said");

export const slotSchemas = {
  title: text.describe("the task title in the person's words"),
  name: text,
  description: text,
  message: text,
  project: projectName,
  priority,
  due,
  task,
  assignee: agentName,
  agent: agentName,
  status: z.string().trim().min(1).max(40),
  level: z.enum(["all", "important", "none"]),
  answer: z.enum(["yes", "no"]),
  capabilities: z.array(z.string().trim().min(1).max(100)).min(1).max(50),
  channel: z.string().trim().min(1).max(40),
} as const;

export type SlotName = keyof typeof slotSchemas;

export interface IntentSpec {
  name: Exclude<IntentName, "unknown">;
  description: string;
  /** Slot name → schema; overrides of the shared schema are allowed (e.g. status enums). */
  slots: Partial<Record<SlotName, z.ZodType>>;
  required: SlotName[];
  examples: string[];
}

const s = slotSchemas;

export const CATALOG: readonly IntentSpec[] = [
  {
    name: "task.create",
    description: "Create a pending task",
    slots: {
      title: s.title,
      project: s.project,
      priority: s.priority,
      due: s.due,
      assignee: s.assignee,
      description: s.description,
    },
    required: ["title"],
    examples: [
      "add a task to write the launch email for Launch, high priority, due friday",
      "/task Build landing page @Website !high",
    ],
  },
  {
    name: "task.list",
    description: "List tasks, most important first",
    slots: { status: taskStatus, project: s.project, assignee: s.assignee, priority: s.priority },
    required: [],
    examples: ["what's still open in Website", "show me the blocked tasks", "/tasks"],
  },
  {
    name: "task.show",
    description: "Show one task: status, who has it, last update",
    slots: { task: s.task },
    required: ["task"],
    examples: ["how is task 7 doing", "status of #7"],
  },
  {
    name: "task.update",
    description: "Change a task's title, priority, due date or description",
    slots: { task: s.task, title: s.title, priority: s.priority, due: s.due, description: s.description },
    required: ["task"],
    examples: ["make task 7 urgent", "push the deadline of 7 to next monday"],
  },
  {
    name: "task.assign",
    description: "Give a task to an agent",
    slots: { task: s.task, assignee: s.assignee },
    required: ["task", "assignee"],
    examples: ["give 7 to seed"],
  },
  {
    name: "task.complete",
    description: "Mark a task completed",
    slots: { task: s.task },
    required: ["task"],
    examples: ["mark 7 as done", "task 7 is finished"],
  },
  {
    name: "task.cancel",
    description: "Cancel a task (asks for confirmation first)",
    slots: { task: s.task },
    required: ["task"],
    examples: ["cancel task 7"],
  },
  {
    name: "task.reopen",
    description: "Move a task back to pending",
    slots: { task: s.task },
    required: ["task"],
    examples: ["reopen 7"],
  },
  {
    name: "task.comment",
    description: "Add a note to a task for its agent; answers a blocked task's question",
    slots: { task: s.task, message: s.message },
    required: ["task", "message"],
    examples: ["tell seed on task 7 to use the blue logo", "reply to 7: go with Stripe"],
  },
  {
    name: "project.create",
    description: "Create an active project",
    slots: { name: s.name, description: s.description, priority: s.priority },
    required: ["name"],
    examples: ["start a new project called Website Redesign"],
  },
  {
    name: "project.list",
    description: "List projects with progress",
    slots: { status: projectStatus },
    required: [],
    examples: ["list my projects"],
  },
  {
    name: "project.show",
    description: "Progress of one project",
    slots: { project: s.project },
    required: ["project"],
    examples: ["how far along is Website"],
  },
  {
    name: "project.pause",
    description: "Pause a project",
    slots: { project: s.project },
    required: ["project"],
    examples: ["put Website on hold"],
  },
  {
    name: "project.resume",
    description: "Make a paused project active again",
    slots: { project: s.project },
    required: ["project"],
    examples: ["resume Website"],
  },
  {
    name: "project.complete",
    description: "Mark a project completed",
    slots: { project: s.project },
    required: ["project"],
    examples: ["close out Website, it's done"],
  },
  {
    name: "project.cancel",
    description: "Cancel a project (asks for confirmation first)",
    slots: { project: s.project },
    required: ["project"],
    examples: ["kill the Website project"],
  },
  {
    name: "agent.list",
    description: "List agents with status and current task",
    slots: { status: s.status },
    required: [],
    examples: ["who is working right now", "/agents"],
  },
  {
    name: "agent.show",
    description: "One agent: status, last seen, current task",
    slots: { agent: s.agent },
    required: ["agent"],
    examples: ["is seed online"],
  },
  {
    name: "agent.create",
    description: "Register a new specialist agent",
    slots: { name: s.name, capabilities: s.capabilities, description: s.description },
    required: ["name"],
    examples: ["create an agent called researcher for web research"],
  },
  {
    name: "briefing",
    description: "Short summary: what finished, what is blocked, what needs the person",
    slots: {},
    required: [],
    examples: ["brief me", "what's the status", "/status"],
  },
  {
    name: "notify.set",
    description: "How much to notify the person (all, important, none) and on which channel",
    slots: { level: s.level, channel: s.channel },
    required: ["level"],
    examples: ["only ping me when something is blocked", "mute notifications"],
  },
  {
    name: "confirm",
    description: "Answer yes or no to the last question the hub asked",
    slots: { answer: s.answer },
    required: ["answer"],
    examples: ["yes go ahead", "no, leave it"],
  },
  {
    name: "undo",
    description: "Undo the person's last change",
    slots: {},
    required: [],
    examples: ["undo that"],
  },
  {
    name: "help",
    description: "Explain briefly what the hub understands",
    slots: {},
    required: [],
    examples: ["what can you do", "/help"],
  },
];

const BY_NAME = new Map(CATALOG.map((spec) => [spec.name, spec]));

export function getIntentSpec(name: IntentName): IntentSpec | undefined {
  return BY_NAME.get(name as IntentSpec["name"]);
}

/** The zod object schema of an intent's slots: required ones required, unknown keys rejected. */
export function slotsSchema(spec: IntentSpec): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries(spec.slots)) {
    if (!schema) continue;
    shape[key] = spec.required.includes(key as SlotName) ? schema : schema.optional();
  }
  return z.strictObject(shape);
}

/** JSON Schema of an intent's slots, for LLM tool definitions. */
export function slotsJsonSchema(spec: IntentSpec): Record<string, unknown> {
  return z.toJSONSchema(slotsSchema(spec), { io: "input" }) as Record<string, unknown>;
}
