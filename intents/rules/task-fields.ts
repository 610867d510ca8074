// Splits the free words of a new task into its slots: what is left after project, priority, due,
// assignee and description phrases are cut out is the title, in the person's own words.
import type { Slots } from "../types.ts";
import type { DateContext } from "./dates.ts";
import { findDue } from "./dates.ts";
import { findPriority } from "./priority.ts";
import { cleanAgentName, cleanProjectName } from "./refs.ts";
import { cleanValue, cut } from "./text.ts";

interface Cut {
  value: string;
  start: number;
  end: number;
}

function take(s: string, re: RegExp, group = "v"): Cut | undefined {
  const m = re.exec(s);
  const value = m?.groups?.[group];
  if (!m || !value) return undefined;
  return { value, start: m.index, end: m.index + m[0].length };
}

// Explicit markers first: "@Website", "@[Website Redesign]", "[Launch]", "#Launch" at a word start.
const AT_PROJECT =
  /(?:^|\s)(?:@|#(?=[A-Za-z]))(?:\[(?<q>[^\]]+)\]|"(?<v2>[^"]+)"|(?<v>[\p{L}\d][\p{L}\d_.-]*))/u;
const BRACKET_PROJECT = /\[(?<v>[^\]#][^\]]{0,60})\]/;
const PROJECT_WORD =
  /(?:,\s*)?\s(?:for|in|under|to|on|into|within|as part of|part of)(?: the)? project\s+(?:"(?<q>[^"]+)"|(?<v>[\p{L}\d][\p{L}\d&'.-]*(?: [A-Z\d][\p{L}\d&'.-]*)*))/u;
const NAMED_PROJECT =
  /(?:,\s*)?\s(?:for|in|under|to|on|into|within|as part of|part of)(?: the| our| my)? (?<v>[\p{L}\d][\p{L}\d&'.-]*(?: [\p{L}\d][\p{L}\d&'.-]*){0,3}?)(?: project| proj)\b/iu;
// A capitalised name after "for"/"in" at the end of a clause reads as a project ("for Launch").
const CAPITAL_PROJECT =
  /(?:,\s*)?\s(?:for|in|under|within)(?: the)? (?<v>[A-Z][\p{L}\d&'.-]*(?: [A-Z\d][\p{L}\d&'.-]*){0,3})(?=\s*(?:,|$|\s(?:and|by|due|before|with|at|on|high|low|urgent|asap|!)\b))/u;

const ASSIGNEE =
  /(?:,\s*)?\s*(?:and\s+)?(?:(?:assign|give|hand|pass)(?:\s+(?:it|this|that))?\s+(?:over\s+)?to|assigned to|for (?:the )?agent|(?:and\s+)?have|(?:and\s+)?let)\s+(?:the\s+)?(?:agent\s+)?(?<v>[\w-]+)(?:\s+agent)?(?:\s+(?:do|handle|take|work on)\s+(?:it|this|that))?(?=\s*(?:,|$|\s(?:by|due|before|with|at|on|for)\b))/i;

// ", for seed" among comma-separated details names the agent: one lowercase word (a capitalised
// one is a project, "for Launch"), not a person or a time ("buy flowers, for mom").
const COMMA_FOR_AGENT =
  /,\s*for\s+(?!(?:me|us|you|him|her|them|myself|ourselves|everyone|everybody|anyone|someone|somebody|later|now|today|tonight|tomorrow|work|home|fun|free|real|sure|good|review|reference|approval|mom|mum|dad|mother|father|wife|husband|kids|family|friends|boss|team|client|clients|customer|customers)\b)(?<v>[a-z][\w-]*)(?=\s*(?:,|$))/;

const DESCRIPTION =
  /\s*(?:(?:,\s*)?(?:description|details|desc|notes?|context|more info)\s*[:=-]\s*|\s+--\s+|\s*\n)(?<v>.+)$/is;

const BANG_ONLY = /(?:^|\s)!(?<v>\w+)/;

// "a task for the website project: new hero image": the connector was eaten by the task phrase.
// Case-sensitive on purpose: names after "project" run while words are capitalised.
const W = String.raw`(?!(?:for|in|to|under|on|of|and|the)\b)[\p{L}\d][\p{L}\d&'.-]*`;
const LEADING_PROJECT = new RegExp(
  String.raw`^\s*(?:(?:[Ff]or|[Ii]n|[Uu]nder|[Oo]n|[Tt]o)\s+)?(?:[Tt]he\s+)?(?:[Pp]roject\s+(?<q>[\p{L}\d][\p{L}\d&'.-]*(?: [A-Z\d][\p{L}\d&'.-]*)*)|(?<v>${W}(?: ${W}){0,3}?)\s+[Pp]roject)\s*(?:[:,-]\s*|\s)`,
  "u",
);
// "a task under Launch to finalize the pricing": a capitalised name right after the task phrase.
const LEADING_CAPITAL =
  /^\s*(?:[Ff]or|[Ii]n|[Uu]nder|[Ww]ithin)\s+(?:the\s+)?(?<v>[A-Z][\p{L}\d&'.-]*(?: [A-Z][\p{L}\d&'.-]*){0,3})\s*(?:[:,-]\s*|\s+(?=to\s))/u;

export interface TaskFieldOptions {
  /** Read "for Launch" (a capitalised name) as a project; off for email, whose convention is [Project]. */
  implicitProject?: boolean;
}

export function extractTaskFields(
  input: string,
  dates: DateContext,
  options: TaskFieldOptions = {},
): Slots & { title?: string } {
  let s = ` ${input.trim()} `;
  const lead =
    LEADING_PROJECT.exec(s) ?? (options.implicitProject === false ? null : LEADING_CAPITAL.exec(s));
  const leadName = lead ? cleanProjectName(lead.groups?.q ?? lead.groups?.v ?? "") : undefined;
  const leadProject = lead && leadName ? leadName : undefined;
  if (lead && leadProject) s = ` ${s.slice(lead[0].length)} `;
  const slots: Slots = {};
  if (leadProject) slots.project = leadProject;
  const desc = take(s, DESCRIPTION);
  if (desc) {
    slots.description = cleanValue(desc.value);
    s = cut(s, desc.start, desc.end);
    s = ` ${s} `;
  }
  const at = AT_PROJECT.exec(s);
  if (at) {
    const name = at.groups?.q ?? at.groups?.v2 ?? at.groups?.v;
    const project = name ? cleanProjectName(name) : undefined;
    if (project) {
      slots.project = project;
      s = ` ${cut(s, at.index, at.index + at[0].length)} `;
    }
  }
  if (!slots.project) {
    const b = take(s, BRACKET_PROJECT);
    const project = b ? cleanProjectName(b.value) : undefined;
    if (b && project) {
      slots.project = project;
      s = ` ${cut(s, b.start, b.end)} `;
    }
  }
  const p = findPriority(s);
  if (p) {
    slots.priority = p.value;
    s = ` ${cut(s, p.start, p.end)} `;
  } else {
    const bang = BANG_ONLY.exec(s);
    if (bang) s = ` ${cut(s, bang.index, bang.index + bang[0].length)} `;
  }
  const due = findDue(s, dates);
  if (due) {
    slots.due = due.value;
    s = ` ${cut(s, due.start, due.end)} `;
  }
  const who = take(s, ASSIGNEE) ?? take(s, COMMA_FOR_AGENT);
  const agent = who ? cleanAgentName(who.value) : undefined;
  if (who && agent) {
    slots.assignee = agent;
    s = ` ${cut(s, who.start, who.end)} `;
  }
  if (!slots.project) {
    const finders =
      options.implicitProject === false
        ? [PROJECT_WORD, NAMED_PROJECT]
        : [PROJECT_WORD, NAMED_PROJECT, CAPITAL_PROJECT];
    for (const re of finders) {
      const m = re.exec(s);
      const name = m?.groups?.q ?? m?.groups?.v;
      const project = name ? cleanProjectName(name) : undefined;
      if (m && project) {
        slots.project = project;
        s = ` ${cut(s, m.index, m.index + m[0].length)} `;
        break;
      }
    }
  }
  const title = cleanValue(s);
  if (title) slots.title = title;
  return slots;
}
