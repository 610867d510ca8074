// task.list: questions about many tasks. The filters (status, project, assignee, priority) are read
// from the qualifier words; a list request with words we cannot place is not claimed.
import type { Slots } from "../types.ts";
import { type Rule, result } from "./context.ts";
import { findPriority } from "./priority.ts";
import { cleanAgentName, cleanProjectName, looksCapitalized } from "./refs.ts";
import { cleanValue, cut } from "./text.ts";

const STATUS: [RegExp, string][] = [
  [/\b(?:blocked|stuck|waiting on me|waiting for me|need(?:s|ing)? (?:me|my input|an answer))\b/i, "blocked"],
  [/\b(?:failed|failing|broken|errored|crashed|went wrong)\b/i, "failed"],
  [/\b(?:cancelled|canceled|dropped|scrapped|killed)\b/i, "cancelled"],
  [
    /\b(?:in progress|in-progress|ongoing|active|being worked on|underway|running|started|in flight|under way|current)\b/i,
    "in_progress",
  ],
  [/\b(?:done|completed|complete|finished|closed|shipped|got done|get done|resolved)\b/i, "completed"],
  [
    /\b(?:pending|queued|waiting|not started|not yet started|todo|to do|to-do|new|unstarted|in the queue|backlog)\b/i,
    "pending",
  ],
];

function readFilters(words: string): Slots | undefined {
  let s = ` ${words.replace(/\s+/g, " ")} `;
  const slots: Slots = {};
  for (const [re, value] of STATUS) {
    const m = re.exec(s);
    if (m) {
      slots.status = value;
      s = ` ${cut(s, m.index, m.index + m[0].length)} `;
      break;
    }
  }
  const p = findPriority(s);
  if (p) {
    slots.priority = p.value;
    s = ` ${cut(s, p.start, p.end)} `;
  } else {
    const bare = /\b(high|low|medium|top)\b(?:[- ]pri(?:ority|o)?)?/i.exec(s);
    if (bare?.[1]) {
      const word = bare[1].toLowerCase();
      slots.priority =
        word === "top" ? "critical" : word === "high" ? "high" : word === "low" ? "low" : "medium";
      s = ` ${cut(s, bare.index, bare.index + bare[0].length)} `;
    }
  }
  const who =
    /\s(?:assigned to|owned by|belonging to|given to|that|which|for|of|handled by|with)(?: the)? (?:agent )?(?<a>[\w-]+)(?: agent)?(?: (?:has|is (?:doing|working on|handling)|owns|got))?(?=\s|$)/i.exec(
      s,
    ) ?? /\s(?:agent )?(?<a>[\w-]+)(?:'s|s')\s/i.exec(s);
  const agentRaw = who?.groups?.a;
  // "for Website" names a project (capital letter); "for seed" an agent.
  if (who && agentRaw && !looksCapitalized(agentRaw) && !/\bproject\b/i.test(s)) {
    const a = cleanAgentName(agentRaw);
    if (a && !/^(?:me|my|today|this|the|now|week|all)$/i.test(a)) {
      slots.assignee = a;
      s = ` ${cut(s, who.index, who.index + who[0].length)} `;
    }
  }
  const proj =
    /\s(?:in|for|on|under|from|of|within|inside|across)(?: the)? (?:project )?(?<p>[\p{L}\d][\p{L}\d&'.-]*(?: [\p{L}\d][\p{L}\d&'.-]*){0,3}?)(?: project)?(?=\s*$)/iu.exec(
      s,
    ) ??
    /\s(?:the )?(?<p>[\p{L}\d][\p{L}\d&'.-]*(?: [\p{L}\d][\p{L}\d&'.-]*){0,2}?) project(?:'s)?\s/iu.exec(s) ??
    /^\s*(?<p>[A-Z][\p{L}\d&'.-]*)\s*$/u.exec(s) ??
    /\s@(?<p>[\p{L}\d][\p{L}\d_.-]*)/u.exec(s);
  if (proj?.groups?.p) {
    const project = cleanProjectName(proj.groups.p);
    if (
      project &&
      !/^(?:me|plate|list|agenda|board|radar|docket|queue|deck|today|this week|right now|now|progress|hold)(?: today| now| right now| this week| at the moment)?$/i.test(
        project,
      )
    ) {
      slots.project = project;
      s = ` ${cut(s, proj.index, proj.index + proj[0].length)} `;
    }
  }
  const left = cleanValue(
    s.replace(
      /\b(?:all|my|the|our|any|current|currently|still|right now|now|today|at the moment|please|open|outstanding|left|remaining|there|are|is|that|which|did|we|they|been|has|were|was|so far|tasks?|todos?|items?|tickets?|things|stuff|work|list|on|plate|agenda|board|queue|me|i|have|do|got|what|else|yet|everything|anything|priority|prio|with|of|to|just|only|every|each|show|see|in|for|at|a|an|by|overall|whole|entire|full|due|overdue|late|this|week|soon|tomorrow|next|month|past due)\b/gi,
      " ",
    ),
  );
  if (left.length > 0) return undefined;
  return slots;
}

// Any sentence around the word "tasks": claimed only when every other word is a filter.
const LOOSE = /^(?<q>.*?)\b(?:tasks|todos|to-dos|tickets)(?<f>.*)$/i;

const LIST_PATTERNS: RegExp[] = [
  // "what's the plan for today": what is open, the most important first
  /^what(?:'s| is) (?:the|my|our) (?:plan|agenda|schedule)(?: for)?(?: today| this morning| this afternoon| tonight| now)?$/i,
  // "how many tasks are open": the list's first line says how many
  /^how many (?<q>.*?)\s*(?:tasks|todos|to-dos|items|tickets|things)(?<f>.*)$/i,
  /^(?:tasks|todos|to-dos|task list|todo list|to-do list|to do list|my tasks|my todos|all tasks|the backlog|backlog|my list|the list|queue|the queue|my queue|my plate|list|my todo list|my to-do list|my task list|the todo list|the task list|the to-do list)$/i,
  /^(?:list|show|display|view|get|see|give me|pull up|check|what are|which are|read(?: me| out)?|go through|bring up|print|dump)(?: me)?(?<q>.*?)\s(?:tasks|todos|to-dos|to dos|items|tickets|jobs|issues|work items|things)(?<f>.*)$/i,
  LOOSE,
  /^(?:what|which)(?: tasks| todos| things)? (?:is|are|'s|s)(?: still| currently| else| right now)? (?<q>open|pending|left|outstanding|in progress|blocked|stuck|failed|failing|broken|done|completed|finished|cancelled|canceled|remaining|todo|to do|queued|waiting|being worked on|underway|on deck|in flight|on (?:my|the) (?:plate|list|agenda|board|docket|radar)|in the (?:queue|pipeline|backlog)|active|ongoing|running|stalled)(?: to do| right now| now| today| still| at the moment)?(?<f>.*)$/i,
  /^what(?:'s| is|s) (?:still )?(?<q>open|pending|left|outstanding|in progress|blocked|stuck|failed|done|remaining|queued|on my plate|on the list|on the board|going on|happening|not done|overdue|late|past due|due)(?: to do)?(?<f>.*)$/i,
  /^(?:is |are |do (?:we|i) have |have (?:we|i) got |does anything |did anything )?(?:there )?(?:anything|any tasks|anything else|something|any) (?<q>blocked|stuck|failing|failed|pending|in progress|broken|waiting|cancelled|done|open|overdue|late|past due|due (?:today|tomorrow|this week|soon))(?<f>.*)$/i,
  /^what (?:got |has been |have been |was |were |did (?:we|they|the agents|you|everyone|the team) (?:get )?)(?<q>done|completed|finished|get done|cancelled|failed|blocked|shipped|finish|complete|fail)(?<f>.*)$/i,
  // "what did seed do today": what that agent finished (the list puts the most recent first)
  /^(?:what|which tasks|what tasks|what work)(?: did| has| have)(?: the)? (?!(?:i|we|they|you|team|bots|workers|people|anybody|nobody)\b)(?:agent )?(?<done>[\w-]+)(?: agent)? (?:do|done|finish|finished|complete|completed|get done|gotten done|got done|accomplish|accomplished|ship|shipped|wrap up|wrapped up|close|closed|work on|worked on)(?: today| yesterday| so far| this week| lately| overnight| this morning| last night| recently)?$/i,
  /^what (?:did|have|has) (?:i|we) (?:ask|asked|give|given|assign|assigned|get|got|hand|handed)(?: the)? (?:agent )?(?<a>[\w-]+)(?: agent)?(?: to (?:do|work on|handle|look into))?$/i,
  /^what(?:'s| is| are|s)?(?: tasks| todos| work)?(?: is| are)? (?:assigned|given) to (?:the )?(?<a>[\w-]+)(?: agent)?$/i,
  /^what (?:tasks|todos|work|jobs) (?:does|do|has|have|did) (?:the )?(?:agent )?(?<a>[\w-]+)(?: agent)? (?:have|got|own|has|get)(?: on (?:his|her|their|its) plate| assigned| to do)?$/i,
  /^(?:show|list|display|give|tell)(?: me)? (?:everything|anything|all|what(?:'s| is)|all the (?:stuff|things))(?: that(?:'s| is| are)| which is| thats)? (?<q>blocked|stuck|failed|failing|pending|in progress|done|completed|finished|cancelled|open|outstanding|waiting)(?<f>.*)$/i,
  /^what(?:'s| is| has| does| do)(?: the)? (?:agent )?(?<a>[\w-]+)(?: agent)? (?:got|have|has)(?: on (?:his|her|their|its) plate| assigned| to do| queued| lined up| in (?:the|its|their) queue)?$/i,
  /^what (?:needs|is left|remains|is there|do i have|do we have|have i got|have we got) (?:to (?:be )?do(?:ne)?)(?<f>.*)$/i,
  /^what(?:'s| is) (?:on )?(?:my|our|the) (?:plate|list|agenda|docket|todo list|to-do list)(?<f>.*)$/i,
];

export const taskListRule: Rule = (ctx) => {
  const t = ctx.text.replace(/[?!.]+$/, "");
  for (const re of LIST_PATTERNS) {
    const m = re.exec(t);
    if (!m) continue;
    if (m.groups?.done) {
      const a = cleanAgentName(m.groups.done);
      if (a) return result("task.list", { assignee: a, status: "completed" }, 0.88);
      continue;
    }
    if (m.groups?.a) {
      const a = cleanAgentName(m.groups.a);
      if (a) return result("task.list", { assignee: a }, 0.88);
      continue;
    }
    const q = m.groups?.q ?? "";
    // "how many tasks does seed have": the agent's tasks
    const f = (m.groups?.f ?? "").replace(
      /\b(?:does|do) (?:the )?(?:agent )?([\w-]+)(?: agent)? (?:have|own|hold)\b/i,
      "for $1",
    );
    // Qualifiers may hold a verb phrase ("add 3 tasks") that is not a list; readFilters rejects it.
    const slots = readFilters(
      `${q} ${f}`.replace(/\b(?:got done|get done|finish|complete|fail)\b/i, (w) =>
        w.startsWith("fail") ? "failed" : "done",
      ),
    );
    if (!slots) continue;
    return result("task.list", slots, re === LOOSE ? 0.8 : 0.9);
  }
  return undefined;
};
