// task.create: explicit "add a task ..." phrasings first, then requests that only imply a task
// ("we need to ...", "remind me to ..."), then bare imperatives at lower confidence.
import { type Rule, type RuleContext, result } from "./context.ts";
import { NUMBER_SRC } from "./numbers.ts";
import { findPriority } from "./priority.ts";
import { cleanAgentName } from "./refs.ts";
import { extractTaskFields } from "./task-fields.ts";
import { stripFillers, wordCount } from "./text.ts";

const NOUN = `(?:task|tasks|todo|to-do|to do|item|ticket|reminder|card|issue|action item|job|chore|note)`;

const EXPLICIT: RegExp[] = [
  new RegExp(
    String.raw`^(?:(?:i|we) (?:need|want|would like|'d like)|add|create|make|log|open|file|put|jot(?: down)?|record|enter|set up|setup|register|capture|write(?: down)?|note(?: down)?|raise|start|new|queue(?: up)?|schedule|throw|drop|stick|spin up|there's|here's|got)(?: me| us| in| up| down)?(?: a| an| another| one more| the following| this)?(?: new| quick)?(?: (?:high|low|medium|normal|top)[- ]priority| urgent| important| critical| quick| small| big| asap)? ${NOUN}(?: (?:in|on|to) (?:my |the )?(?:list|queue|backlog|board))?(?: for (?:me|us))?(?:\s*(?:to|for|called|named|titled|about|that says|saying|which is|that is|:|-|,)\s*|\s+)(?<rest>.+)$`,
    "i",
  ),
  new RegExp(String.raw`^(?:new |quick )?${NOUN}\s*[:\-]\s*(?<rest>.+)$`, "i"),
  new RegExp(String.raw`^(?:new )?${NOUN}(?<rest>\s+(?:for|in|under)\s+[^:]{1,60}:\s*.+)$`, "i"),
  /^(?:add|put|write)(?: this| these)? (?:to|on|onto|in) (?:my |the |our )?(?:tasks|list|todo list|to-do list|task list|todos|backlog|queue)\s*[:,-]?\s*(?<rest>.+)$/i,
  /^(?:add|new|todo|to-do|task)\s*:\s*(?<rest>.+)$/i,
  /^(?:remind me to|reminder to|don't let me forget to|make sure (?:i|we|someone) (?:remember to )?|note to self:?|todo|to-do)\s+(?<rest>.+)$/i,
  /^(?:put|add|stick|throw|get) (?<rest>.+?) (?:on|to|onto|in) (?:my |the |our )?(?:list|todo list|to-do list|task list|tasks|queue|backlog|board|plate|todos|agenda)$/i,
];

const IMPLIED: RegExp[] = [
  /^(?:we|i)(?: really| still| also)? (?:need|want|would like|'d like) (?:someone|somebody|an agent|you|one of you|one of the agents|the team) to (?<rest>.+)$/i,
  /^(?:we|i|you)(?: really| still| also)? (?:need|have|got|gotta|ought|should|must|want)(?: to)? (?<rest>.+)$/i,
  /^(?:someone|somebody|an agent|one of the agents|one of you|the team|anyone|you guys|you all|y'all) (?:needs to|should|has to|must|gotta|could|can|will need to|oughta) (?<rest>.+)$/i,
  /^(?:can|could|would|will) (?:someone|somebody|an agent|one of you|anyone|the team|you guys) (?<rest>.+)$/i,
  /^(?:get|have) (?:someone|an agent|somebody|the team|one of the agents) (?:to )?(?<rest>.+)$/i,
  /^(?:it'd be good to|it would be good to|we should probably|let's get|it's time to|time to|don't forget to|make sure to|remember to|need to|gotta|have to)\s+(?<rest>.+)$/i,
];

// Verbs that start a to-do when said bare ("draft the press release by friday").
const IMPERATIVE =
  /^(?:write|draft|build|fix|research|send|call|email|e-mail|review|prepare|prep|design|set up|book|schedule|find|look into|investigate|clean up|deploy|migrate|refactor|test|order|buy|organize|organise|plan|translate|compile|analyze|analyse|update the|create|make|implement|publish|post|reply to|respond to|follow up|follow-up|ping|contact|reach out|arrange|draw up|put together|sort out|figure out|check out|write up|read|learn|submit|file|pay|renew|cancel my|upload|download|install|configure|backup|back up|audit|benchmark|document|summarize|summarise|collect|gather|outline|sketch|mock up|record|edit|proofread|polish|optimize|optimise|improve|add|remove|rewrite|redesign|launch|ship|release|prototype|interview|hire|onboard|invite|announce|get|run|check|verify|confirm|reserve|print|pick up|drop off|clean|tidy|move|convert|localize|port|integrate|scrape|crawl|monitor|set)\b/i;

// "make task 7 urgent" / "drop task twenty" name an existing task; they do not create one.
const NAMES_EXISTING = new RegExp(
  String.raw`^(?:#?\d+|number|#|${NUMBER_SRC}|(?:task|ticket)\s*#?\s*(?:\d+|${NUMBER_SRC})|it|that|this one|that one)(?:[\s:,]|$)`,
  "i",
);

// "move task 3 to Website": a sentence about a numbered task is not a new one, even when it
// starts like a to-do.
const MENTIONS_TASK = new RegExp(
  String.raw`(?:\b(?:task|ticket)\s*#?\s*(?:\d+|${NUMBER_SRC})\b|(?:^|\s)#\d+\b)`,
  "i",
);

// "... by friday, can you make a task for that": the ask is not part of the title.
const TRAILING_ASK =
  /[\s,]+(?:(?:so )?(?:can|could|would|will) you |please )?(?:make|create|add|log|put|turn|save|set)(?: it| that| this)?(?: (?:into|as|up))? (?:a |an )?(?:task|todo|to-do|reminder|ticket)(?: (?:for|of|about) (?:it|that|this|me))?$/i;

function build(rest: string, ctx: RuleContext, confidence: number, assigneeHint?: string, prefix = "") {
  const slots = extractTaskFields(rest, ctx.dates);
  if (!slots.title) return undefined;
  // "new high priority task: ..." puts the priority before the task phrase.
  if (!slots.priority && prefix) {
    const p = findPriority(prefix);
    if (p) slots.priority = p.value;
  }
  if (assigneeHint && !slots.assignee) {
    const a = cleanAgentName(assigneeHint);
    if (a) slots.assignee = a;
  }
  return result("task.create", slots, confidence);
}

// "add three tasks: a, b and c" asks for several; a task.create makes one, and one task named
// "a, b and c" is not what was asked. The dispatcher says how to add them.
const SEVERAL_TASKS = new RegExp(
  String.raw`^(?:please )?(?:add|create|make|log|put|set up|new)\s+(?:` +
    // "three tasks", "these tasks": a count says several
    String.raw`(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|some|a few|multiple|a couple of|a couple|a bunch of|these|the following|those)\s+(?:new\s+)?(?:tasks|todos|to-dos|items|tickets)\b` +
    // "add tasks: ...", "add tasks for the launch"; not "make tasks clearer in the doc"
    String.raw`|(?:new\s+)?(?:tasks|todos|to-dos|items|tickets)\s*(?::|$|\b(?:for|to|in|on)\b))`,
  "i",
);

/** Whether the words ask for several tasks at once (the dispatcher answers how to add them). */
export const asksForSeveralTasks = (text: string) => SEVERAL_TASKS.test(stripFillers(text));

export const taskCreateExplicitRule: Rule = (ctx) => {
  const t = ctx.text;
  if (SEVERAL_TASKS.test(t)) return undefined;
  // "assign seed a task to ..." / "give cos a task: ..." create and assign at once.
  const forAgent =
    /^(?:assign|give|have|get) (?:the )?(?:agent )?(?<a>[\w-]+)(?: agent)? (?:a |an |another |one more )(?:new )?(?:task|job|todo)(?:\s*(?:to|:|-|of|,)\s*|\s+)(?<rest>.+)$/i.exec(
      t,
    ) ??
    // "log a task for researcher to compare ...": a lowercase handle before "to" is the agent.
    /^(?:add|create|make|log|open|file|new)(?: a| an| another)?(?: new)? (?:task|job|todo) for (?:the )?(?:agent )?(?<a>[a-z][\w-]*)(?: agent)? to (?<rest>.+)$/.exec(
      t,
    );
  if (forAgent?.groups?.rest && !NAMES_EXISTING.test(forAgent.groups.rest))
    return build(forAgent.groups.rest, ctx, 0.9, forAgent.groups.a);
  // "ask seed to draft the report": a new job for that agent, in the person's words. Handing
  // over what exists ("have seed take task 5", "let seed handle it") is task.assign's.
  const askAgent =
    /^(?:ask|tell|get|have|let) (?:the )?(?:agent )?(?<a>[\w-]+)(?: agent)? (?:to )?(?<rest>.+)$/i.exec(t);
  const asked = askAgent?.groups;
  if (
    asked?.a &&
    asked.rest &&
    cleanAgentName(asked.a) &&
    (IMPERATIVE.test(asked.rest) || /^(?:look into|look at|deal with|find out)\b/i.test(asked.rest)) &&
    !MENTIONS_TASK.test(asked.rest) &&
    !/\b(?:it|that|this one|that one)$/i.test(asked.rest) &&
    wordCount(asked.rest) >= 2
  ) {
    const r = build(asked.rest, ctx, 0.85, asked.a);
    if (r) return r;
  }
  // "remind me tomorrow to send the report": the date sits before the task words.
  const remind =
    /^remind me (?<when>(?:on |by |next |this )?[\w/-]+(?: (?:morning|afternoon|evening|week))?) to (?<rest>.+)$/i.exec(
      t,
    );
  if (remind?.groups?.rest && remind.groups.when) {
    const r = build(`${remind.groups.rest} ${remind.groups.when}`, ctx, 0.9);
    if (r?.slots.due) return r;
  }
  for (const re of EXPLICIT) {
    const m = re.exec(t);
    if (m?.groups?.rest && !NAMES_EXISTING.test(m.groups.rest)) {
      const r = build(m.groups.rest, ctx, 0.93, undefined, t.slice(0, t.length - m.groups.rest.length));
      if (r) return r;
    }
  }
  return undefined;
};

export const taskCreateImpliedRule: Rule = (ctx) => {
  const t = ctx.text.replace(TRAILING_ASK, "");
  if (SEVERAL_TASKS.test(t)) return undefined;
  if (MENTIONS_TASK.test(t)) return undefined;
  // "add buy milk": "add" plus words is a task in a task hub (checked late: "add a note to 7: ...").
  const add = /^(?:add|new|todo|create)\s+(?<rest>.+)$/i.exec(t);
  if (add?.groups?.rest && !/^(?:a |an )?(?:new )?(?:project|agent|note|comment)\b/i.test(add.groups.rest)) {
    const r = build(add.groups.rest.replace(/^(?:a|an)\s+/i, ""), ctx, 0.78);
    if (r) return r;
  }
  for (const re of IMPLIED) {
    const m = re.exec(t);
    if (m?.groups?.rest && wordCount(m.groups.rest) >= 2) return build(m.groups.rest, ctx, 0.7);
  }
  if (IMPERATIVE.test(t) && wordCount(t) >= 2) return build(t, ctx, ctx.channel === "email" ? 0.85 : 0.62);
  return undefined;
};
