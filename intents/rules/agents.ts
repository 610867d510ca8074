// Agent intents: list, show one, register a new specialist.
import { type Rule, result } from "./context.ts";
import { cleanAgentName } from "./refs.ts";
import { cleanValue, trimPunct } from "./text.ts";

const AGENT_STATUS: [RegExp, string][] = [
  [/\b(?:idle|free|available|doing nothing|not busy)\b/i, "idle"],
  [/\b(?:busy)\b/i, "busy"],
  [/\b(?:offline|down|dead|disconnected|not responding)\b/i, "offline"],
  [/\b(?:online|up|alive|connected)\b/i, "online"],
];

const LIST_RE =
  /^(?:agents|all agents|my agents|the agents|(?:list|show|display|view|get|see)(?: me)?(?: all| my| the| our)* (?:agents|bots|team|workers)(?: (?:and|with) (?:their )?(?:status|statuses|what they're doing))?|(?:who|which agents?|which bots?|what agents?)(?: is| are|'s|'re)? (?:working|busy|online|active|idle|free|available|offline|around|up|down|on duty|running|doing something|doing anything)(?: right now| now| at the moment| currently| today| atm)?|who(?: is|'s) (?:on|around|on duty)(?: right now| now| today)?|what are (?:the |my |all the )?agents (?:doing|up to|working on)(?: right now| now)?|how are (?:the |my |all the )?agents(?: doing)?|(?:show |list |get )?(?:me )?(?:the |all )?(?:agent|agents|team|bot|worker) (?:status|statuses|overview|list|roster)|status of (?:the |my |all )?(?:agents|bots|team)|what(?:'s| is| has| have| are) (?:everyone|everybody|(?:the |my |all the |our )?(?:agents|team|bots|workers)) (?:been )?(?:doing|up to|working on)(?: right now| now| today| lately| recently)?|who(?:'s| is) doing what|what agents do i have|which agents do (?:i|we) have|is anyone (?:working|online|idle|busy|free)(?: right now| now)?|are any agents (?:online|idle|busy|offline|free|working)(?: right now| now)?|any (?:agents|bots) (?:online|idle|free|offline|busy)|(?:who|which agents) (?:are|is) (?:not doing anything|doing nothing))$/i;

export const agentListRule: Rule = (ctx) => {
  const t = ctx.text.replace(/[?!.]+$/, "");
  if (!LIST_RE.test(t)) return undefined;
  let status: string | undefined;
  // "what are they up to" asks what they do, not which are up.
  const asked = t.replace(/\bup to\b/gi, "");
  for (const [re, value] of AGENT_STATUS) {
    if (re.test(asked)) {
      status = value;
      break;
    }
  }
  return result("agent.list", { status }, 0.92);
};

const SHOW_PATTERNS: RegExp[] = [
  /^(?:is|are) (?<a>[\w-]+(?: agent| bot)?|the [\w-]+(?: agent| bot)?|agent [\w-]+) (?:still )?(?:online|offline|up|down|alive|awake|around|available|busy|idle|free|working|running|ok|okay|active|there|stuck|responding|doing anything|connected|dead)(?: right now| now| at the moment| today)?$/i,
  /^what(?:'s| is|s| has) (?!(?:the |my |our )?(?:team|agents|bots|workers|everyone|everybody) )(?<a>(?:the )?[\w-]+(?: agent| bot)?|agent [\w-]+) (?:been )?(?:doing|up to|working on|busy with)(?: right now| now| at the moment| today| lately| recently)?$/i,
  /^(?:show|check|ping|check on|look at|describe|details (?:on|for|of|about)|info (?:on|about|for)|tell me about|status (?:of|for|on)|how's|how is|where is|where's|what about|open|get|display|view|pull up|any news from)(?: me)? (?<a>(?:the )?agent [\w-]+|(?:the )?[\w-]+ (?:agent|bot))(?: doing| status)?$/i,
  /^when (?:was|did) (?<a>(?:the )?[\w-]+(?: agent)?) (?:last (?:seen|active|online|heard from|check in|checked in|run|ran)|check in last|report last)$/i,
  /^(?:have you heard from|has anyone heard from|any word from|any news from|anything from) (?<a>(?:the )?[\w-]+(?: agent)?)(?: lately| today| recently)?$/i,
  /^(?:agent )?(?<a>[\w-]+) (?:agent )?(?:status|details|info)$/i,
  /^(?:is|has) (?<a>[\w-]+) (?:been )?(?:crashed|stuck|died|gone offline|gone quiet)$/i,
  /^(?:anything|any news|any updates?|what's new|what is new|anything new) from (?<a>(?:the )?[\w-]+(?: agent| bot)?|agent [\w-]+)(?: today| lately| yet)?$/i,
];

export const agentShowRule: Rule = (ctx) => {
  const t = ctx.text.replace(/[?!.]+$/, "");
  for (const re of SHOW_PATTERNS) {
    const m = re.exec(t);
    const raw = m?.groups?.a;
    if (!raw) continue;
    // "agent status" alone or "task 7 status" belong to other intents.
    if (re === SHOW_PATTERNS[5] && !/\bagent\b/i.test(t) && /^(?:task|project|overall|my|the)$/i.test(raw))
      continue;
    if (re === SHOW_PATTERNS[5] && !/\bagent\b/i.test(t)) continue;
    const agent = cleanAgentName(raw);
    if (agent && !/^(?:everything|everyone|anyone|things|it|this|that|anything)$/i.test(agent))
      return result("agent.show", { agent }, 0.88);
  }
  return undefined;
};

const CREATE_RE =
  /^(?:create|add|register|make|set up|setup|spin up|build|hire|onboard|deploy|new|define|configure)(?: me| us)?(?: a| an| another| one more)?(?: new)?(?: specialist| specialized| custom)? (?:agent|bot|worker|specialist)\b[\s:,-]*(?<rest>.*)$/i;

export const agentCreateRule: Rule = (ctx) => {
  const m = CREATE_RE.exec(ctx.text);
  if (!m) return undefined;
  let rest = m.groups?.rest ?? "";
  let name: string | undefined;
  let capabilities: string[] | undefined;
  let description: string | undefined;
  const cap =
    /(?:,?\s*(?:with|and|having)?\s*(?:the\s+)?(?:capabilities|capability|skills|tools|abilities)\s*(?::|=|of|like|such as|for)?\s*|,?\s*(?:that|who|which) (?:can|knows how to|is able to) (?:do )?|,?\s*(?:good at|skilled in|able to do|capable of)\s+)(?<list>.+)$/i.exec(
      rest,
    );
  if (cap?.groups?.list) {
    capabilities = cap.groups.list
      .split(/\s*,\s*(?:and\s+)?|\s+and\s+|\s*\/\s*|\s*;\s*|\s+&\s+/)
      .map((c) => cleanValue(c))
      .filter((c) => c.length > 0);
    rest = rest.slice(0, cap.index);
  }
  const named =
    /^(?:called|named|with the name|name(?:d)?:?|:)?\s*(?:"(?<q>[^"]+)"|(?<n>[\w.-]+))(?<after>.*)$/i.exec(
      trimPunct(rest),
    );
  if (named) {
    name = named.groups?.q ?? named.groups?.n;
    const after = named.groups?.after ?? "";
    const desc =
      /^\s*[,:-]?\s*(?:(?:for|to|that|who|which|whose job is to|to handle|to do|focused on|specializing in|specialising in|for doing|-|:)\s+)?(?<d>.+)$/i.exec(
        after,
      );
    if (desc?.groups?.d) description = cleanValue(desc.groups.d);
  }
  if (name && /^(?:for|to|that|who|which|with)$/i.test(name)) name = undefined;
  if (!name) return result("agent.create", { capabilities, description: cleanValue(rest) }, 0.6);
  return result("agent.create", { name, capabilities, description }, 0.9);
};
