// Intents acting on one existing task: complete, cancel, reopen, assign, comment, update, show.
import type { IntentName, Slots } from "../types.ts";
import { type Rule, type RuleContext, result } from "./context.ts";
import { findDue } from "./dates.ts";
import { findPriority, priorityWord } from "./priority.ts";
import { cleanAgentName, isDefiniteTaskRef, mentionsProject, parseTaskRef } from "./refs.ts";
import { T, TREF } from "./task-fragments.ts";
import { cleanValue, cut, stripFillers, trimPunct } from "./text.ts";

interface TaskPattern {
  re: RegExp;
  /** Accept a task named only by title words (not a number, "it" or the word task). */
  loose?: boolean;
  /** Extra slots from the match; undefined rejects the match. */
  extra?: (m: RegExpExecArray, ctx: RuleContext) => Slots | undefined;
}

// "let me know when seed is done" asks to be told, later: it changes and shows nothing now.
const ASKS_TO_BE_TOLD =
  /^(?:let me know|tell me|ping me|notify me|alert me|message me|text me|warn me|update me)(?: right away)? (?:when|if|once|as soon as)\b/i;

/** Whether the words ask to be told of something later (the dispatcher says what notifications do). */
export const asksToBeTold = (text: string) => ASKS_TO_BE_TOLD.test(stripFillers(text));

function taskRule(intent: IntentName, patterns: TaskPattern[], confidence: number): Rule {
  return (ctx) => {
    const t = ctx.text.replace(/[?!.]+$/, "");
    if (ASKS_TO_BE_TOLD.test(t)) return undefined;
    for (const p of patterns) {
      const m = p.re.exec(t);
      if (!m) continue;
      const rawTask = m.groups?.t ?? "it";
      if (mentionsProject(rawTask)) continue;
      const definite = isDefiniteTaskRef(rawTask);
      if (!definite && !p.loose) continue;
      const task = parseTaskRef(rawTask);
      if (task === undefined) continue;
      const extra = p.extra ? p.extra(m, ctx) : {};
      if (!extra) continue;
      return result(intent, { task, ...extra }, definite ? confidence : confidence - 0.17);
    }
    return undefined;
  };
}

const re = (src: string) => new RegExp(src, "i");
const DONE_WORDS = `(?:done|complete|completed|finished|resolved|closed|fixed|shipped|accomplished|sorted|handled|taken care of|sorted out|wrapped up|good to go|delivered|ready)`;

export const taskCompleteRule = taskRule(
  "task.complete",
  [
    {
      re: re(
        `^(?:mark|set|flag|tick|check|move|put|change|consider|call)(?: off)? ${T}(?: off)? (?:as |to |into )?(?:being )?${DONE_WORDS}$`,
      ),
      loose: true,
    },
    {
      re: re(`^(?:tick|check|cross|knock|strike) ${T} off(?: the list| my list| the board)?$`),
      loose: true,
    },
    { re: re(`^(?:tick|check|cross|knock|strike) off ${T}$`), loose: true },
    {
      re: re(
        `^(?:complete|finish|close|resolve|done with|wrap up|close out|knock out|(?:i|we)(?:'ve| have)? (?:just )?(?:finished|completed|closed|done|wrapped up|resolved|fixed|shipped)|(?:i'm|i am|we're|we are) (?:all )?(?:done|finished) with|finished|completed|closed|resolved)(?: with)?(?: the)? ${T}(?: already| now| just now| today| finally)?$`,
      ),
      loose: true,
    },
    {
      re: re(
        String.raw`^${T}\s*(?:is|'s|s|are|was|has been|got|have been|'re)\s+(?:now |finally |all |already |officially |totally |completely )?${DONE_WORDS}(?: now| already| at last| finally| today)?$`,
      ),
      loose: true,
    },
    { re: re(`^${TREF}(?: is)? (?:done|complete|finished|completed)$`) },
    { re: re(`^(?:done|all done|finished|completed|task done|that's it,? done)$`) },
  ],
  0.92,
);

export const taskCancelRule = taskRule(
  "task.cancel",
  [
    {
      re: re(
        `^(?:cancel out|cancel|drop|scrap|kill|scratch|forget about|forget|abandon|delete|remove|trash|nuke|axe|ditch|get rid of|call off|stop working on|never ?mind about|never ?mind|nevermind|don't bother with|no need for|skip|bin|toss|junk|discard|erase|abort|stop)(?: the)? ${T}(?:,? (?:we|i) (?:don't|do not) need (?:it|that|this)(?: anymore)?)?(?: for good| entirely| anymore| altogether| after all| completely)?$`,
      ),
      loose: true,
    },
    {
      re: re(
        String.raw`^${T}\s*(?:is|'s|can be|should be|has been|must be|needs to be)\s+(?:cancelled|canceled|no longer needed|not needed|dead|obsolete|irrelevant(?: now)?|moot|scrapped|dropped|unnecessary)(?: anymore| any more| now)?$`,
      ),
      loose: true,
    },
    {
      re: re(
        String.raw`^${T}\s*(?:isn't|is not|'s not|is no longer|isn't really|is not really)\s+(?:needed|necessary|required|relevant|happening|a thing)(?: anymore| any more| now| after all)?$`,
      ),
      loose: true,
    },
    {
      re: re(`^(?:we|i) (?:don't|do not|no longer) need ${T}(?: anymore| any more| after all)?$`),
      loose: true,
    },
    { re: re(`^(?:we're|we are|i'm|i am) not doing ${T}(?: anymore| after all)?$`), loose: true },
  ],
  0.9,
);

export const taskReopenRule = taskRule(
  "task.reopen",
  [
    {
      re: re(
        `^(?:reopen|re-open|re open|unclose|uncomplete|un-complete|uncancel|un-cancel|restore|revive|resurrect|bring back|restart|redo|undo (?:the )?(?:completion|cancellation|cancel|closing|close) of|reactivate|re-activate|unarchive)(?: up)?(?: the)? ${T}(?: again| back up| up again| please)?$`,
      ),
      loose: true,
    },
    { re: re(`^open(?: up)?(?: the)? ${T} (?:again|back up|up again)$`), loose: true },
    {
      re: re(
        `^(?:move|put|set|mark|send|change|bring|turn) ${T} back (?:to|into|as|in) (?:pending|open|todo|to do|to-do|the queue|in progress|the backlog|backlog|not done|the list)$`,
      ),
      loose: true,
    },
    {
      re: re(
        `^(?:mark|set|flag|change) ${T} (?:as |to )?(?:not done|pending|open|incomplete|undone|todo|to do|not complete|unfinished|not finished|open again)$`,
      ),
      loose: true,
    },
    {
      re: re(
        String.raw`^${T}\s*(?:isn't|is not|wasn't|was not|'s not|s not|ain't|is actually not|isn't actually|isn't really|is not actually|is not really)\s+(?:actually |really |quite |fully )?(?:done|finished|complete|completed|fixed|resolved)(?: after all| yet)?$`,
      ),
    },
    { re: re(`^(?:we|i) need ${TREF} (?:again|back)$`) },
  ],
  0.9,
);

const AGENT = String.raw`(?:the )?(?:agent )?(?<a>[\w-]+)(?: agent| bot)?`;

function assignee(m: RegExpExecArray): Slots | undefined {
  const a = cleanAgentName(m.groups?.a ?? "");
  if (
    !a ||
    /^(?:next|tomorrow|today|monday|tuesday|wednesday|thursday|friday|saturday|sunday|done|pending)$/i.test(a)
  )
    return undefined;
  return { assignee: a };
}

export const taskAssignRule = taskRule(
  "task.assign",
  [
    {
      re: re(
        String.raw`^(?:give|assign|reassign|re-assign|hand|hand off|hand over|pass|pass on|send|delegate|route|transfer|allocate|forward|move|shift)(?: over| off| on)? ${T}(?: over| off| on)?(?: from (?:the )?[\w-]+(?: agent)?)? to ${AGENT}(?: instead| now| please)?$`,
      ),
      loose: true,
      extra: assignee,
    },
    { re: re(`^(?:assign|give|hand|pass|delegate) ${AGENT} ${TREF}$`), extra: assignee },
    {
      re: re(
        `^(?:let|have|get|ask|tell|make) ${AGENT} (?:to )?(?:take|handle|do|work on|pick up|look at|own|tackle|grab|take over|deal with|look into|run|start on|start)(?: on)? ${T}$`,
      ),
      loose: true,
      extra: assignee,
    },
    { re: re(`^put ${AGENT} on ${T}$`), loose: true, extra: assignee },
    {
      re: re(
        `^${AGENT} (?:should|can|will|could|is going to|'ll|gets|takes|owns|needs to) (?:take|handle|do|work on|pick up|own|tackle|grab|get|have|look at|take over)? ?${TREF}$`,
      ),
      extra: assignee,
    },
    {
      re: re(`^${T} (?:goes|should go|is going|can go|must go) to ${AGENT}$`),
      loose: true,
      extra: assignee,
    },
    {
      re: re(`^(?:make|set) ${AGENT} (?:the )?(?:owner|assignee) (?:of|on|for) ${T}$`),
      loose: true,
      extra: assignee,
    },
  ],
  0.92,
);

function message(m: RegExpExecArray): Slots | undefined {
  const msg = cleanValue((m.groups?.m ?? "").replace(/^(?:to|that|saying|with)\s*:?\s+/i, ""));
  return msg ? { message: trimPunct(msg) } : undefined;
}

export const taskCommentRule = taskRule(
  "task.comment",
  [
    {
      re: re(
        String.raw`^(?:tell|ask|remind|let|inform|instruct) (?:the )?(?:agent )?(?:[\w-]+)(?: agent)?(?: know)? (?:on|for|about|working on|regarding|re|in|with|handling|doing) ${T}[,:]? (?:to|that|:)\s*(?<m>.+)$`,
      ),
      extra: message,
    },
    {
      re: re(
        String.raw`^(?:tell|ask|let|inform) (?:the agent on|the agent doing|the agent for|whoever(?:'s| is) (?:on|doing|working on|handling)|whoever has) ${T}(?: know)?[,:]? (?:to|that)\s+(?<m>.+)$`,
      ),
      extra: message,
    },
    // Voice has no colon: "reply to task four go with stripe".
    { re: re(String.raw`^(?:reply|respond|answer|comment)(?: to| on)? ${TREF}\s+(?<m>.+)$`), extra: message },
    {
      re: re(
        String.raw`^(?:reply|respond|answer|comment|note|message|msg|write|say|post|add (?:a |this )?(?:comment|note|reply|message)|leave (?:a |this )?(?:comment|note|message)|put (?:a |this )?(?:comment|note)|send (?:a )?(?:note|message))(?: to| on| for| under| in)? ${T}\s*(?::|,|\s-\s|\swith\s|\ssaying\s|\sthat\s)\s*(?<m>.+)$`,
      ),
      extra: message,
    },
    { re: re(String.raw`^(?:on|for|re|regarding|about|in) ${T}\s*[:,]\s*(?<m>.+)$`), extra: message },
    { re: re(String.raw`^${TREF}\s*:\s*(?<m>.+)$`), extra: message },
    {
      re: re(
        String.raw`^(?:tell|ask|remind|instruct) (?:the )?(?:agent )?[\w-]+(?: agent)? (?<m>(?:to|that) .+?) (?:on|for|in|about|regarding) ${TREF}$`,
      ),
      extra: message,
    },
    { re: re(String.raw`^(?:the )?answer (?:to|for|on) ${T} is\s+(?<m>.+)$`), extra: message },
  ],
  0.9,
);

function fieldsFrom(rest: string, ctx: RuleContext): Slots | undefined {
  const slots: Slots = {};
  let left = rest;
  const word = priorityWord(left);
  const due = findDue(left, ctx.dates);
  if (due) {
    slots.due = due.value;
    left = cut(left, due.start, due.end);
  }
  const p = findPriority(left);
  if (p) {
    slots.priority = p.value;
    left = cut(left, p.start, p.end);
  } else if (word && !due) {
    slots.priority = word;
    left = "";
  }
  if (!slots.due && !slots.priority) return undefined;
  // Anything substantive left over means this was not a field change ("mark 7 as done today").
  if (cleanValue(left.replace(/\b(?:priority|prio|deadline|due date|now|instead)\b/gi, "")).length > 0)
    return undefined;
  return slots;
}

const fields = (m: RegExpExecArray, ctx: RuleContext) => fieldsFrom(m.groups?.r ?? "", ctx);

export const taskUpdateRule = taskRule(
  "task.update",
  [
    {
      re: re(String.raw`^(?:rename|retitle|re-title|re-name)(?: the)? ${T} (?:to|as|into)\s+(?<title>.+)$`),
      loose: true,
      extra: (m) => ({ title: cleanValue(m.groups?.title ?? "") }),
    },
    {
      re: re(
        String.raw`^(?:change|update|set|edit|make|fix)(?: the)? (?:title|name|wording|heading) (?:of|on|for) ${T} (?:to|as|into|:)\s*(?<title>.+)$`,
      ),
      loose: true,
      extra: (m) => ({ title: cleanValue(m.groups?.title ?? "") }),
    },
    {
      re: re(
        String.raw`^(?:change|update|set|edit|replace|rewrite)(?: the)? (?:description|details|notes?|brief|spec|summary) (?:of|on|for|in) ${T} (?:to|as|with|:)\s*(?<d>.+)$`,
      ),
      loose: true,
      extra: (m) => ({ description: cleanValue(m.groups?.d ?? "") }),
    },
    {
      re: re(
        String.raw`^(?:add|append|put)(?: this)? (?:to|in|into) (?:the )?(?:description|details|notes) (?:of|on|for) ${T}\s*[:,-]\s*(?<d>.+)$`,
      ),
      loose: true,
      extra: (m) => ({ description: cleanValue(m.groups?.d ?? "") }),
    },
    {
      re: re(
        String.raw`^(?:change|update|set|raise|lower|bump|increase|decrease|drop|up|move|make|put|adjust)(?: up| down)?(?: the)? (?:priority|prio|urgency|importance) (?:of|on|for) ${T} (?:to|as|up to|down to|at)\s+(?<r>.+)$`,
      ),
      loose: true,
      extra: fields,
    },
    {
      re: re(
        String.raw`^(?:change|update|set|move|push|pull|shift|extend|postpone|delay|reschedule|bring forward|adjust|bump|make|slide|slip)(?: back| out| forward| up| in)?(?: the)? (?:deadline|due date|due|date|eta|target date|target) (?:of|on|for) ${T} (?:back |out |forward )?(?:to|until|till|for|back to|by|as|until after)\s+(?<r>.+)$`,
      ),
      loose: true,
      extra: fields,
    },
    {
      re: re(
        String.raw`^(?:push|move|postpone|delay|reschedule|shift|bump|defer|pull|bring|set|change|extend|slide|slip|make)(?: back| out| forward| up| in)? ${T}(?:'s (?:deadline|due date))?(?: back| out| forward| up| in)? (?:to|until|till|for|by|due|due on|due by|until after)\s+(?<r>.+)$`,
      ),
      loose: true,
      extra: fields,
    },
    {
      re: re(
        String.raw`^(?:change|update|set|raise|lower|bump)(?: the)? ${T}(?:'s|s') (?:priority|prio|deadline|due date) (?:to|as)\s+(?<r>.+)$`,
      ),
      loose: true,
      extra: fields,
    },
    {
      re: re(
        String.raw`^(?:make|mark|set|flag|label|tag|bump|change|move|put|update)(?: the)? ${TREF}(?: to| as| at| a)?\s+(?<r>.+)$`,
      ),
      extra: fields,
    },
    {
      re: re(
        String.raw`^${TREF}\s+(?:is|should be|needs to be|must be|has to be|is now|will be)?\s*(?<r>(?:now )?(?:due|done by|finished by|ready by|completed by|delivered by) .+)$`,
      ),
      extra: (m, ctx) =>
        fieldsFrom(
          (m.groups?.r ?? "").replace(/^(?:now )?(?:done|finished|ready|completed|delivered) by/i, "by"),
          ctx,
        ),
    },
    { re: re(String.raw`^${TREF}\s+(?:is|should be|needs to be|is now|becomes)\s+(?<r>.+)$`), extra: fields },
    { re: re(String.raw`^${TREF}[:,]?\s+(?:set )?(?<r>(?:priority|prio|due) .+)$`), extra: fields },
    {
      re: re(
        `^(?:bump|raise|escalate|prioritize|prioritise|expedite|fast-track|fast track|up the priority (?:of|on)|increase the priority (?:of|on))(?: up)?(?: the)? ${T}(?: up)?$`,
      ),
      loose: true,
      extra: () => ({ priority: "high" }),
    },
    {
      re: re(
        `^(?:deprioritize|deprioritise|de-prioritize|de-prioritise|downgrade|lower the priority (?:of|on)|decrease the priority (?:of|on))(?: the)? ${T}$`,
      ),
      loose: true,
      extra: () => ({ priority: "low" }),
    },
    {
      re: re(
        `^${TREF} (?:can wait|isn't urgent|is not urgent|is not a priority|isn't a priority|is no rush)$`,
      ),
      extra: () => ({ priority: "low" }),
    },
    {
      re: re(
        String.raw`^(?:update|change|edit|modify|adjust) ${TREF}[:,]?\s+(?:to |with |so (?:it's|that it's|it is) )?(?<r>.+)$`,
      ),
      extra: fields,
    },
  ],
  0.9,
);

export const taskShowRule = taskRule(
  "task.show",
  [
    {
      re: re(
        `^(?:show(?: me)? the (?:details|status|info|progress) (?:of|for|on)|what happened (?:with|to)|what's happening on|(?:can|could|may) i see|let me see|i want to see|i'd like to see|how(?:'s| is| are)|how are things with|what's up with|what is up with|whats up with|what's happening with|what is happening with|what's going on with|what is going on with|what about|any (?:news|updates?|progress|word) (?:on|about|for|with)|show(?: me)?|open|view|display|details (?:on|of|for|about)|tell me about|info (?:on|about|for)|check(?: on)?|look up|status (?:of|on|for)|what's the (?:status|state|latest|progress|story|deal|situation) (?:of|on|with)|what is the (?:status|state|latest|progress) (?:of|on|with)|whats the (?:status|state|latest) (?:of|on|with)|where are we (?:on|with)|where(?:'s| is)|where do we stand (?:on|with)|get|pull up|describe|give me(?: the)? (?:status|details|an update) (?:of|on|for)|update (?:me )?on|progress on|how far along is)(?: the)? ${T}(?: doing| going| coming along| looking| progressing| at| status| details| info| now)?$`,
      ),
    },
    { re: re(`^${TREF}(?: status| details| info| progress| update)?$`) },
    { re: re(`^what(?:'s| is) ${TREF} (?:about|doing|at|status)$`) },
    {
      re: re(
        `^(?:is|has|did) ${TREF} (?:done|finished|complete|completed|blocked|stuck|moving|started|in progress|going|been started|been done|get done|finish|ready)(?: yet)?$`,
      ),
    },
    {
      re: re(`^(?:who(?:'s| is) (?:on|doing|handling|working on|assigned to)|who has|who owns) ${T}$`),
    },
    // "did seed finish the report": that task's state says it
    {
      re: re(
        `^(?:did|has) (?:the )?(?:agent )?[\\w-]+(?: agent)? (?:finish|finished|complete|completed|do|done|ship|shipped|get to|gotten to|start|started)(?: with)?(?: the)? ${T}(?: yet)?$`,
      ),
      loose: true,
    },
  ],
  0.9,
);
