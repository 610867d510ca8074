// Project intents. Bare names are ambiguous between tasks and projects; these rules only claim an
// utterance when it says "project" or uses a verb that only fits projects ("put X on hold").
import { type Rule, result } from "./context.ts";
import { findPriority } from "./priority.ts";
import { cleanProjectName, isDefiniteTaskRef, looksCapitalized, mentionsProject } from "./refs.ts";
import { cleanValue, cut } from "./text.ts";

const STATUS: [RegExp, string][] = [
  [/\b(?:paused|on hold|on ice|frozen|parked|suspended)\b/i, "paused"],
  [/\b(?:completed|complete|finished|done|closed|archived|shipped|wrapped up)\b/i, "completed"],
  [/\b(?:cancelled|canceled|killed|dropped|abandoned|scrapped|dead)\b/i, "cancelled"],
  [/\b(?:active|current|ongoing|running|open|in progress|live|going on)\b/i, "active"],
];

function projectStatus(t: string): string | undefined {
  for (const [re, value] of STATUS) if (re.test(t)) return value;
  return undefined;
}

const LIST_RE =
  /^(?:(?:list|show|display|view|get|see|give me|what are|which are|pull up)(?: me)?(?: all| my| the| our| current)*(?: (?:active|paused|completed|finished|done|cancelled|canceled|archived|current|ongoing|open|running|live|dead|killed|on hold|in progress))? projects(?: (?:that are |which are )?(?:active|paused|on hold|completed|finished|done|cancelled|canceled|archived|in progress|running|going on))?(?: and (?:their )?progress)?|projects|project list|projects list|project overview|projects overview|(?:my|all|our|the) projects|(?:active|paused|completed|finished|done|cancelled|canceled|archived|current|ongoing|open|running) projects|(?:what|which) projects(?: do (?:i|we) have| are (?:there|active|paused|running|on hold|done|finished|completed|going on|in progress|open|cancelled|live|still going)| am i running| are we (?:running|working on|doing)| have (?:i|we) got| exist)?|how are (?:(?:my|the|our|all the|all my) )?projects(?: doing| going| looking)?|(?:are there |is there )?any projects (?:on hold|paused|active|running|finished|completed|cancelled)|what am i working on|what are we working on|what's in flight)$/i;

export const projectListRule: Rule = (ctx) => {
  const t = ctx.text.replace(/[?!.]+$/, "");
  if (!LIST_RE.test(t)) return undefined;
  return result(
    "project.list",
    { status: projectStatus(t.replace(/\bprojects?\b.*?(?:going on)?$/, (x) => x)) },
    0.92,
  );
};

const CREATE_RE =
  /^(?:create|start|make|add|set up|setup|kick off|kickoff|spin up|open(?= (?:a|an|new)\b)|begin|launch(?= (?:a|an|new)\b)|init|initialize|initiate|register|new)(?: me| up| us)?(?: a| an| the| another)?(?: new| brand new| fresh)?(?: (?:low|high|medium|normal|top)[- ]priority| urgent| important)? project\b(?:[\s:,-]+(?:called|named|titled|with the name|for|about|:)?)?\s*(?<rest>.*)$/i;

export const projectCreateRule: Rule = (ctx) => {
  const m = CREATE_RE.exec(ctx.text);
  if (!m) return undefined;
  let rest = m.groups?.rest ?? "";
  const prioritySource = ctx.text.slice(0, ctx.text.length - rest.length);
  let priority = findPriority(prioritySource)?.value;
  const p = findPriority(rest);
  if (p) {
    priority = p.value;
    rest = cut(rest, p.start, p.end);
  }
  let name: string | undefined;
  let description: string | undefined;
  const quoted = /^"([^"]+)"(.*)$/.exec(rest);
  if (quoted) {
    name = quoted[1];
    description = cleanValue(quoted[2] ?? "");
  } else {
    const split =
      /^(?<n>.+?)(?:\s*(?:,|:|\s-\s|--|\(|\.)\s*|\s+(?:to|for|about|that|which|where|so that|so we can|whose goal is to|aimed at|focused on|focusing on|with the goal (?:of|to)|covering|around)\s+)(?<d>.+)$/i.exec(
        rest,
      );
    if (split?.groups?.n && split.groups.d) {
      name = split.groups.n;
      description = cleanValue(split.groups.d.replace(/\)$/, ""));
    } else {
      name = rest;
    }
  }
  const clean = name ? cleanProjectName(name) : undefined;
  if (!clean) return result("project.create", { priority, description }, 0.55);
  return result("project.create", { name: clean, description, priority }, 0.92);
};

// NAME is captured loosely; the guards below decide whether it names a project at all.
const P = `(?<p>.+?)`;

interface ProjectPattern {
  re: RegExp;
  /** Pattern only fits projects, so no "project" word is needed. */
  strong: boolean;
  /**
   * Fits a project or a task alike ("how's the landing page going"): said as a project, with
   * less confidence; the dispatcher shows the task when no project has that name.
   */
  guess?: boolean;
}

function projectRule(
  intent: Parameters<typeof result>[0],
  patterns: ProjectPattern[],
  confidence: number,
): Rule {
  return (ctx) => {
    const t = ctx.text.replace(/[?!.]+$/, "");
    for (const { re, strong } of patterns) {
      const m = re.exec(t);
      const raw = m?.groups?.p;
      if (!raw) continue;
      if (!strong && !mentionsProject(raw) && !mentionsProject(t)) continue;
      if (isDefiniteTaskRef(raw) && !mentionsProject(raw)) continue;
      const project = cleanProjectName(raw);
      if (project)
        return result(intent, { project }, strong || mentionsProject(t) ? confidence : confidence - 0.15);
    }
    return undefined;
  };
}

const PAUSE_SUFFIX = `(?: for now| for a while| for a bit| until further notice| until next (?:week|month|quarter)| temporarily)?`;
export const projectPauseRule = projectRule(
  "project.pause",
  [
    {
      re: new RegExp(
        `^(?:pause|freeze|suspend|park|shelve|hold(?! off))(?: work on)?(?: the)? ${P}${PAUSE_SUFFIX}$`,
        "i",
      ),
      strong: true,
    },
    {
      re: new RegExp(
        `^(?:put|place|set|move)(?: the)? ${P} on (?:hold|ice|pause|the back ?burner|standby)${PAUSE_SUFFIX}$`,
        "i",
      ),
      strong: true,
    },
    {
      re: new RegExp(`^(?:put|place) on hold(?: the)? ${P}${PAUSE_SUFFIX}$`, "i"),
      strong: true,
    },
    {
      re: new RegExp(
        `^(?:hold off on|stop working on|take a break from|pump the brakes on)(?: the)? ${P}${PAUSE_SUFFIX}$`,
        "i",
      ),
      strong: false,
    },
    {
      re: new RegExp(
        `^(?:the )?${P} (?:is|should be|goes|can go) on (?:hold|ice|pause)${PAUSE_SUFFIX}$`,
        "i",
      ),
      strong: true,
    },
  ],
  0.9,
);

export const projectResumeRule = projectRule(
  "project.resume",
  [
    {
      re: new RegExp(
        `^(?:resume|unpause|un-pause|unfreeze|reactivate|re-activate|revive|unshelve|resume work on|restart work on|continue work on|continue working on|get back to work on|get back to|pick up work on|start work on|start working on)(?: the)? ${P}(?: again| now)?$`,
        "i",
      ),
      strong: true,
    },
    {
      re: new RegExp(`^(?:restart|continue|continue with|pick up)(?: the)? ${P}(?: again)?$`, "i"),
      strong: false,
    },
    { re: new RegExp(`^pick(?: the)? ${P} back up$`, "i"), strong: true },
    { re: new RegExp(`^take(?: the)? ${P} off (?:hold|ice|pause)$`, "i"), strong: true },
    { re: new RegExp(`^(?:the )?${P} is (?:back on|active again|back)$`, "i"), strong: false },
    { re: new RegExp(`^(?:un-?hold|unpark)(?: the)? ${P}$`, "i"), strong: true },
    {
      re: new RegExp(`^(?:let's )?(?:get|bring)(?: the)? ${P} (?:going|moving|rolling|back) again$`, "i"),
      strong: true,
    },
  ],
  0.9,
);

export const projectCompleteRule = projectRule(
  "project.complete",
  [
    {
      re: new RegExp(
        `^(?:close out|wrap up|wrap|close down)(?: the)? ${P}(?:,? (?:it's|it is|we're|we are|that's|all) (?:done|finished|complete|shipped|over))?$`,
        "i",
      ),
      strong: true,
    },
    {
      re: new RegExp(
        `^(?:the )?${P} is (?:done|finished|complete|over|shipped)[,.;]? (?:(?:so |please |let's |you can )?(?:close|wrap|mark|archive) it(?: out| up| as done| done| complete)?)$`,
        "i",
      ),
      strong: true,
    },
    {
      re: new RegExp(
        `^(?:mark|set|flag)(?: the)? ${P} (?:as )?(?:done|complete|completed|finished|closed|shipped)$`,
        "i",
      ),
      strong: false,
    },
    {
      re: new RegExp(`^(?:finish|complete|close|finalize|finalise|ship)(?: the)? ${P}$`, "i"),
      strong: false,
    },
    {
      re: new RegExp(
        `^(?:the )?${P} (?:is|'s|has been|was) (?:all )?(?:done|finished|complete|completed|wrapped up|shipped|delivered|over)(?: now)?$`,
        "i",
      ),
      strong: false,
    },
    {
      re: new RegExp(`^(?:we're|we are|i'm|i am) (?:done|finished) with(?: the)? ${P}$`, "i"),
      strong: false,
    },
    {
      re: new RegExp(`^(?:we )?(?:shipped|finished|completed|delivered)(?: the)? ${P}$`, "i"),
      strong: false,
    },
  ],
  0.9,
);

export const projectCancelRule = projectRule(
  "project.cancel",
  [
    {
      re: new RegExp(
        `^(?:kill|cancel|scrap|drop|abandon|axe|shut down|shutdown|terminate|ditch|can|bin|nuke|stop|delete|remove|abort|call off|pull the plug on|sunset|shut)(?: the)? ${P}(?: for good| entirely| completely| altogether)?$`,
        "i",
      ),
      strong: false,
    },
    {
      re: new RegExp(`^(?:the )?${P} is (?:cancelled|canceled|dead|off|killed|scrapped)$`, "i"),
      strong: false,
    },
    {
      re: new RegExp(
        `^(?:we're|we are) (?:not doing|dropping|killing|abandoning)(?: the)? ${P}(?: anymore)?$`,
        "i",
      ),
      strong: false,
    },
  ],
  0.9,
);

const SHOW_PATTERNS: ProjectPattern[] = [
  {
    re: new RegExp(`^how far (?:along )?(?:is|are)(?: we (?:on|with))?(?: the)? ${P}(?: along)?$`, "i"),
    strong: true,
  },
  { re: new RegExp(`^how far along are we (?:on|with)(?: the)? ${P}$`, "i"), strong: true },
  {
    re: new RegExp(
      `^(?:what's|what is|whats|show(?: me)?|give me|how's|how is|check|get)(?: the)? (?:progress|status|state|percentage|completion)(?: on| of| for| with)(?: the)? ${P}$`,
      "i",
    ),
    strong: false,
  },
  {
    re: new RegExp(`^(?:progress|status|update|stats)(?: on| of| for| with)(?: the)? ${P}$`, "i"),
    strong: false,
  },
  {
    re: new RegExp(`^how(?:'s| is)(?: the)? ${P} (?:coming along|progressing|shaping up|moving along)$`, "i"),
    strong: true,
  },
  {
    re: new RegExp(
      `^(?:how(?:'s| is| are)|how are things (?:with|on))(?: the)? ${P}(?: going| doing| coming along| looking| progressing| moving along| shaping up)?$`,
      "i",
    ),
    strong: false,
  },
  {
    re: new RegExp(
      `^(?:show|open|view|display|check|pull up|check on|look at|tell me about|details (?:on|of|for)|info (?:on|about)|overview of)(?: me)?(?: the)? ${P}$`,
      "i",
    ),
    strong: false,
  },
  {
    re: new RegExp(
      `^where (?:are we|do we stand|are things|is everything|do things stand) (?:on|with)(?: the)? ${P}$`,
      "i",
    ),
    strong: false,
  },
  { re: new RegExp(`^${P} (?:status|progress|overview|update)$`, "i"), strong: false },
  { re: new RegExp(`^(?:project )${P}$`, "i"), strong: true },
  {
    re: new RegExp(`^how(?:'s| is| are)(?: the| our| my)? ${P} (?:going|going so far|getting on)$`, "i"),
    strong: false,
    guess: true,
  },
];

// "how's it going" is small talk, and "how's everything going" a briefing.
const NOT_A_NAME =
  /^(?:it|that|this|everything|things|stuff|everyone|everybody|life|work|the day|your day|my day|today|you)$/i;

/** Project show; "how far along is X" needs no project word, "how is X doing" does (or a capital). */
export const projectShowRule: Rule = (ctx) => {
  const t = ctx.text.replace(/[?!.]+$/, "");
  for (const { re, strong, guess } of SHOW_PATTERNS) {
    const m = re.exec(t);
    const raw = m?.groups?.p;
    if (!raw) continue;
    if (isDefiniteTaskRef(raw) && !mentionsProject(raw)) continue;
    if (/^(?:agent|the agent)\b|\b(?:agent|bot)$/i.test(raw)) continue;
    const project = cleanProjectName(raw);
    if (!project) continue;
    if (strong || mentionsProject(raw)) return result("project.show", { project }, 0.9);
    if (guess) {
      if (NOT_A_NAME.test(project)) continue;
      return result("project.show", { project }, looksCapitalized(raw) ? 0.7 : 0.6);
    }
    if (!/\s/.test(project) && !looksCapitalized(raw)) continue;
    if (looksCapitalized(raw)) return result("project.show", { project }, 0.7);
  }
  return undefined;
};
