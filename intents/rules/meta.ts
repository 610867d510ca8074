// Intents without a subject: confirm, undo, help, briefing and notification settings.
import type { NotifyLevel } from "../types.ts";
import { type Rule, result } from "./context.ts";
import { cut, trimPunct, wordCount } from "./text.ts";

const YES =
  "yes|yess|yes sir|yeah|yea|yeh|yep|yup|ya|yah|sure|sure thing|ok|okay|k|kk|alright|all right|go ahead|go for it|do it|confirm|confirmed|i confirm|affirmative|absolutely|definitely|of course|correct|that's right|that is right|right|sounds good|looks good|lgtm|please do|proceed|y|go|ship it|approved|approve|fine|that's fine|aye|roger|send it|make it so|yes do it|yes please|do that|sounds great|perfect|great|cool|works for me|that works|agreed|i agree|why not|let's do it|lets do it|yes go ahead|go on";
const NO =
  "no|nope|nah|naw|nay|n|no thanks|no thank you|negative|don't|dont|do not|don't do it|don't do that|dont do it|never ?mind|nvm|leave it|leave it be|leave it as is|forget it|forget about it|abort|hold on|hold off|wait|not now|not yet|no way|keep it|i changed my mind|changed my mind|scratch that|no don't|don't bother|no need|not really|i don't think so|rather not|i'd rather not|stop";
const TAIL = "thanks|thank you|please|now|then|it|that|mate|man|buddy|for now|do it|go ahead";

const YES_RE = new RegExp(`^(?:${YES})(?:[\\s,.!-]+(?:${YES}|${TAIL}))*$`, "i");
const NO_RE = new RegExp(
  `^(?:${NO})(?:[\\s,.!-]+(?:${NO}|${TAIL}|leave it|keep it|don't cancel it|don't delete it))*$`,
  "i",
);
const YES_START =
  /^(?:yes|yeah|yep|yup|sure|absolutely|definitely|of course|correct|go ahead)\b[\s,.!-]+(.*)$/i;
const NO_START = /^(?:no|nope|nah|don't|do not)\b[\s,.!-]+(.*)$/i;

export const confirmRule: Rule = (ctx) => {
  for (const candidate of [trimPunct(ctx.raw.toLowerCase()), ctx.text.toLowerCase()]) {
    if (!candidate) continue;
    // A bare "cancel" answers the pending question; "cancel that" is a task cancel.
    if (candidate === "cancel") return result("confirm", { answer: "no" }, 0.75);
    if (YES_RE.test(candidate)) return result("confirm", { answer: "yes" }, 0.95);
    if (NO_RE.test(candidate)) return result("confirm", { answer: "no" }, 0.93);
  }
  const t = ctx.text;
  // "yes, cancel it" / "no, keep the deadline": a short tail after the answer is part of the answer,
  // unless it carries a new subject (a number, a task or a project) of its own.
  const yes = YES_START.exec(t);
  if (yes && wordCount(yes[1] ?? "") <= 5 && !/\d|\b(?:task|project|add|create|new)\b/i.test(yes[1] ?? ""))
    return result("confirm", { answer: "yes" }, 0.82);
  const no = NO_START.exec(t);
  if (
    no &&
    wordCount(no[1] ?? "") <= 5 &&
    !/\d|\b(?:task|project|rush|hurry|more|need to|notifications?|notify|pings?|messages?|alerts?|disturb|bother|remind|email|text)\b/i.test(
      no[1] ?? "",
    )
  )
    return result("confirm", { answer: "no" }, 0.8);
  return undefined;
};

const UNDO_RE =
  /^(?:undo|undo (?:that|it|this|the last (?:thing|change|action|one|step|edit)|my last (?:change|action|edit|command)|what i (?:just )?did|last|the last command)|revert(?: that| it| this| the last change| my last change)?|roll (?:that |it )?back|rollback|roll back (?:the |my )?last change|take (?:that|it) back|reverse (?:that|it|the last change)|oops(?:[,!]? (?:undo(?: that| it)?|revert(?: that)?|go back|take (?:that|it) back))?|ctrl[- ]?z|undo last (?:change|action)|put it back(?: the way it was)?|change it back|go back|that was a mistake,? undo(?: it| that)?|i didn't mean (?:that|to do that),? undo(?: it| that)?)$/i;

export const undoRule: Rule = (ctx) => {
  const t = ctx.text.toLowerCase();
  if (UNDO_RE.test(t)) return result("undo", {}, 0.95);
  if (/\b(?:undo|revert)\b/.test(t) && wordCount(t) <= 8 && !/\d|\btask\b|\bproject\b/.test(t))
    return result("undo", {}, 0.8);
  return undefined;
};

const HELP_RE =
  /^(?:help|help me|help me out|help please|halp|\?+|h|what can you do|what else can you do|what can i (?:do|say|ask|ask you)(?: here)?|what do you (?:do|understand|know|support)|what are you|who are you|how (?:does this|do you|does it|does this thing|does the hub) work|how do i use (?:this|you|it|the hub|this thing)|how do i (?:talk to you|get started)|what are (?:the|your) commands|commands|list (?:the )?commands|show (?:me )?(?:the |your )?commands|menu|options|what are my options|i'?m (?:lost|confused|stuck)|what commands (?:are there|do you (?:know|understand|support|have))|instructions|usage|guide|getting started|get started|start|what can this (?:bot|thing) do|what are you capable of|what is this|how can you help(?: me)?|what can you help (?:me )?with|help menu|show help|need help|i need help|hi|hello|hey|hey there|hiya|good (?:morning|afternoon|evening))$/i;

export const helpRule: Rule = (ctx) => {
  const t = ctx.text.toLowerCase();
  if (!t) {
    // Only greetings/fillers were said ("hey", "hello"): greet with help.
    if (/^(?:hi|hello|hey|hiya|yo|hey there)\b/i.test(trimPunct(ctx.raw))) return result("help", {}, 0.6);
    return undefined;
  }
  if (
    /^how (?:do|can|should|would) (?:i|we|you) (?:add|create|make|use|do|see|list|assign|cancel|complete|close|set|change|update|mute|talk|ask|get|start|give)\b/.test(
      t,
    )
  )
    return result("help", {}, 0.85);
  if (HELP_RE.test(t)) {
    const greeting = /^(?:hi|hello|hey|hey there|hiya|good (?:morning|afternoon|evening)|start)$/.test(t);
    return result("help", {}, greeting ? 0.6 : 0.95);
  }
  return undefined;
};

const BRIEFING_RE =
  /^(?:(?:give me |gimme |get me |send me |i want |i need |i'd like |can i (?:get|have) |could i get |let's (?:get|have) |time for |do )?(?:(?:a|an|the|my|today's|daily|morning|evening|quick|short|brief|weekly) )*(?:briefing|brief|summary|rundown|run-down|recap|digest|update|updates|status update|status report|report|overview|sitrep|debrief|status|state of things|state of affairs|progress report|round-?up|standup|stand-up)(?: please| for today| for me| on everything| on things)?|brief me(?: in| up)?|status|statuses|what's the status|what is the status|what's the overall status|overall status|what's the situation|(?:what's|what is|what has been|what's been|what have i missed|whats) (?:going on|happening|new|up|the latest|the news|been happening)(?: today| lately| overnight)?|what did i miss|what have i missed|anything i missed|catch me up|fill me in|bring me up to speed|update me|(?:any|what) updates|any news|what's the news|where (?:are we|do things stand|do we stand|are things)(?: at)?|how are (?:things|we)(?: going| doing| looking)?(?: today)?|how's (?:it|everything|things) (?:going|looking)|how is everything(?: going)?|what needs (?:my attention|me|my input|my approval|doing)|does anything need me|is there anything (?:i need to (?:know|do|look at)|for me|that needs me)|anything (?:i need to (?:know|do|look at|know about)|for me|need me|that needs me|needs my attention|new|important)|what's on fire|what should (?:i|we) (?:focus on|work on|look at|do next|know)|(?:is there )?anything (?:that )?needs? (?:my|me|my input|my attention|my approval)(?: input| attention| approval)?|summari[sz]e(?: everything| things| the day)?|sum (?:it|things) up|tl;?dr|what happened(?: today| overnight| while i was (?:away|out|gone)| yesterday)?|what (?:did|have|has) (?:(?:the |my |all the |our )?(?:agents|team|bots|workers)|everyone|everybody) (?:do|done|get done|gotten done|accomplish|accomplished)(?: today| yesterday| overnight| lately| so far)?|morning report|daily report|daily digest|how's (?:the|my) day (?:going|looking)|report in|what's the word|give me the rundown|whats up|what's up|sup)$/i;

export const briefingRule: Rule = (ctx) => {
  const t = ctx.text.toLowerCase().replace(/[?!.]+$/, "");
  if (BRIEFING_RE.test(t)) return result("briefing", {}, 0.93);
  return undefined;
};

const CHANNEL_RE =
  /\s*,?\s*\b(?:on|via|by|through|over|to|in|using|with)\s+(?:the\s+)?(telegram|discord|e-?mail|mail|voice|phone calls?|phone|sms|text messages?|texts?|slack|the web|web|web ?app|terminal|cli|dashboard)\b(?:\s+(?:only|instead))?/i;

function channelName(raw: string): string {
  const w = raw.toLowerCase();
  if (/mail/.test(w)) return "email";
  if (/phone|voice/.test(w)) return "voice";
  if (/sms|text/.test(w)) return "sms";
  if (/web|dashboard/.test(w)) return "web";
  if (/terminal|cli/.test(w)) return "terminal";
  return w;
}

const NOTIFY_NOUN = `(?:notifications?|notifs?|alerts?|pings?|messages?|updates?|dms?|notices?|emails?|texts?)`;
const NONE_RE = new RegExp(
  `^(?:(?:mute|silence|quiet|shush|hush|snooze)(?: (?:all |the |my )?(?:${NOTIFY_NOUN}|everything|me|yourself|the bot|the hub|it))?|shut up|be quiet|quiet mode|go quiet|silent mode|do not disturb|dnd|(?:turn|switch|shut) off (?:all )?(?:the |my )?${NOTIFY_NOUN}|(?:turn|switch) (?:all )?(?:the |my )?${NOTIFY_NOUN} off|(?:disable|pause|stop|block|kill|silence) (?:all )?(?:the |my )?${NOTIFY_NOUN}|(?:stop|don't|do not|quit|no more) (?:sending (?:me )?|giving me )?(?:any )?(?:more )?(?:${NOTIFY_NOUN}|notifying me|pinging me|messaging me|bothering me|bugging me|spamming me|pestering me|texting me|emailing me|alerting me|telling me (?:stuff|things|everything))|no (?:more )?${NOTIFY_NOUN}|i don't want (?:any )?(?:more )?${NOTIFY_NOUN}|leave me alone|(?:set )?${NOTIFY_NOUN} (?:to )?(?:off|none|nothing)|don't (?:notify|ping|message|bother|alert|text|email) me(?: (?:about|with) anything| at all)?)(?: at all| for (?:now|a while|the (?:day|night|rest of the day|weekend))| today| tonight| until (?:tomorrow|monday)| please)?$`,
  "i",
);
const ALL_RE = new RegExp(
  `^(?:unmute(?: (?:all |the |my )?${NOTIFY_NOUN}| me| everything)?|un-mute|(?:turn|switch) on (?:all )?(?:the |my )?${NOTIFY_NOUN}|(?:turn|switch) (?:all )?(?:the |my )?${NOTIFY_NOUN} (?:back )?on|(?:turn|switch) (?:all )?(?:the |my )?${NOTIFY_NOUN} back on|(?:enable|resume|restore|start) (?:all )?(?:the |my )?${NOTIFY_NOUN}|(?:notify|ping|tell|alert|message|update|text|email) me (?:about |of |on |with |for )?(?:everything|every (?:thing|update|change|event)|all (?:updates|the things|changes|events)|all of it|anything(?: that happens)?)|(?:notify|ping|message|text|email|alert) me|i want (?:all|every|to hear about every|to know everything)(?: the)? ?(?:${NOTIFY_NOUN}|things|thing)?|keep me (?:posted|updated|in the loop|informed)(?: on everything| about everything)?|send me (?:everything|all ${NOTIFY_NOUN}|all the ${NOTIFY_NOUN})|all ${NOTIFY_NOUN}|${NOTIFY_NOUN} (?:on|back on)|(?:set )?${NOTIFY_NOUN} (?:to )?all|tell me everything|(?:send|move|switch|route) (?:my |all )?(?:the )?${NOTIFY_NOUN}(?: here)?|full ${NOTIFY_NOUN}|verbose(?: mode)?)$`,
  "i",
);
const IMPORTANT_RE = new RegExp(
  String.raw`^(?:(?:only|just) (?:ping|notify|tell|alert|message|bother|text|email|update|contact|wake|interrupt) me (?:when|if|about|for|on|with|in case)\b.*|(?:ping|notify|tell|alert|message|bother|text|email) me only (?:when|if|about|for|on|with)\b.*|(?:only|just) (?:the )?(?:important|urgent|critical|big|serious|major) (?:stuff|things|ones|${NOTIFY_NOUN}|events|updates|news)(?: only)?|(?:important|urgent|critical) (?:${NOTIFY_NOUN}|stuff|things)(?: only)?|(?:only|just) (?:ping|notify|tell|alert) me (?:on|for) (?:important|urgent|big) (?:stuff|things)|(?:fewer|less) ${NOTIFY_NOUN}|too many ${NOTIFY_NOUN}|tone (?:it|the ${NOTIFY_NOUN}) down|(?:set )?${NOTIFY_NOUN} (?:to )?important(?: only)?|important only|only important|(?:only )?(?:notify|ping|tell|alert) me (?:when|if) (?:something|anything|a task|an agent|a job|stuff|things?) (?:is |gets |goes |has )?(?:blocked|stuck|fails|failed|breaks|broken|needs me|needs my (?:input|attention|help)|goes wrong|has a question)\b.*|(?:only )?(?:interrupt|bother|ping) me (?:if|when) (?:it's|it is) (?:important|urgent)|don't (?:ping|notify|bother|message) me (?:about|for|with) (?:every ?thing|small stuff|every little thing|minor stuff|everything))$`,
  "i",
);

export const notifyRule: Rule = (ctx) => {
  let t = ctx.text;
  let channel: string | undefined;
  const ch = CHANNEL_RE.exec(t);
  // "over slack" inside a sentence about notifications names where to send them.
  if (
    ch?.[1] &&
    /\b(?:notif|alert|ping|messag|tell|updat|send|mute|notify|text|email|keep me|only|dm)/i.test(t)
  ) {
    channel = channelName(ch[1]);
    t = cut(t, ch.index, ch.index + ch[0].length);
  }
  t = trimPunct(t);
  let level: NotifyLevel | undefined;
  if (NONE_RE.test(t)) level = "none";
  else if (IMPORTANT_RE.test(t)) level = "important";
  else if (ALL_RE.test(t)) level = "all";
  else if (
    channel &&
    /^(?:(?:send|move|switch|route) (?:my |all )?(?:the )?\w+|use|switch|(?:notify|ping|message|text|email|reach|contact) me(?: instead)?|only)$/i.test(
      t,
    )
  )
    level = "all";
  if (!level) return undefined;
  return result("notify.set", { level, channel }, 0.92);
};
