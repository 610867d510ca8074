import { asksForSeveralTasks, asksToBeTold } from "../../intents/index.ts";

/**
 * What a person says that no intent of the catalog covers, yet deserves better than "I didn't
 * catch that": thanks, a goodbye, "let me know when ..." (the notifications' job), and several
 * tasks at once (a task.create makes one). Recognised on the words as said, after the parse
 * found nothing to do (or only a yes with nothing to say yes to: "great, thanks").
 */
export type Aside = "thanks" | "bye" | "tell-me-when" | "one-at-a-time";

const THANKS =
  /^(?:(?:great|perfect|awesome|nice|cool|good|lovely|brilliant|wonderful|super|excellent|fantastic|ok|okay|alright|all right|got it|yes|yep|sure)[,.!]*\s+)?(?:thanks|thank you|thank u|thx|ty|cheers|many thanks|much appreciated|appreciate it|nice work|good job|great job|well done|good work|great work)(?:\s+(?:cos|so much|a lot|again|very much|a bunch|mate|buddy))*$/i;

const BYE =
  /^(?:(?:ok|okay|alright|thanks|thank you)[,.!]*\s+)?(?:bye|bye bye|goodbye|good bye|see you|see ya|see you later|talk (?:soon|later|to you later)|later|good night|night|ttyl|that's all|that is all|that's it|that is it|nothing else|i'm done|im done)(?:\s+(?:cos|for now|then|now|thanks|for today))*$/i;

export function asideOf(text: string): Aside | undefined {
  const t = text
    .trim()
    .replace(/[\s.!?,]+$/g, "")
    .replace(/\s+/g, " ");
  if (THANKS.test(t)) return "thanks";
  if (BYE.test(t)) return "bye";
  // "let me know when seed is done": what the notifications already do, if their level allows.
  if (asksToBeTold(t)) return "tell-me-when";
  if (asksForSeveralTasks(t)) return "one-at-a-time";
  return undefined;
}
