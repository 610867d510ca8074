// The order of the free-text rules is the disambiguation policy: specific before general,
// intents that need a marker word ("project") before the task rules that would also match.

import type { ParseResult } from "../types.ts";
import { agentCreateRule, agentListRule, agentShowRule } from "./agents.ts";
import { firstMatch, type Rule, type RuleContext } from "./context.ts";
import { briefingRule, confirmRule, helpRule, notifyRule, undoRule } from "./meta.ts";
import {
  projectCancelRule,
  projectCompleteRule,
  projectCreateRule,
  projectListRule,
  projectPauseRule,
  projectResumeRule,
  projectShowRule,
} from "./projects.ts";
import { taskCreateExplicitRule, taskCreateImpliedRule } from "./task-create.ts";
import { taskListRule } from "./task-list.ts";
import {
  taskAssignRule,
  taskCancelRule,
  taskCommentRule,
  taskCompleteRule,
  taskReopenRule,
  taskShowRule,
  taskUpdateRule,
} from "./tasks.ts";

export const FREE_TEXT_RULES: readonly Rule[] = [
  confirmRule,
  undoRule,
  helpRule,
  briefingRule,
  notifyRule,
  agentCreateRule,
  projectCreateRule,
  taskCreateExplicitRule,
  projectPauseRule,
  projectResumeRule,
  projectCompleteRule,
  projectCancelRule,
  taskCommentRule,
  taskAssignRule,
  taskUpdateRule,
  taskReopenRule,
  taskCompleteRule,
  taskCancelRule,
  agentListRule,
  projectListRule,
  taskListRule,
  agentShowRule,
  projectShowRule,
  taskShowRule,
  taskCreateImpliedRule,
];

export function parseFreeText(ctx: RuleContext): ParseResult | undefined {
  return firstMatch(FREE_TEXT_RULES, ctx);
}
