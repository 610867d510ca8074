/**
 * Thanks and goodbyes are not requests: no intent of the catalog covers them, and "I didn't
 * catch that" is the wrong answer to "thanks". Recognised on the words as said, after the
 * parse found nothing to do (or only a yes with nothing to say yes to: "great, thanks").
 */
export type Courtesy = "thanks" | "bye";

const THANKS =
  /^(?:(?:great|perfect|awesome|nice|cool|good|lovely|brilliant|wonderful|super|excellent|fantastic|ok|okay|alright|all right|got it|yes|yep|sure)[,.!]*\s+)?(?:thanks|thank you|thank u|thx|ty|cheers|many thanks|much appreciated|appreciate it|nice work|good job|great job|well done|good work|great work)(?:\s+(?:cos|so much|a lot|again|very much|a bunch|mate|buddy))*$/i;

const BYE =
  /^(?:(?:ok|okay|alright|thanks|thank you)[,.!]*\s+)?(?:bye|bye bye|goodbye|good bye|see you|see ya|see you later|talk (?:soon|later|to you later)|later|good night|night|ttyl|that's all|that is all|that's it|that is it|nothing else|i'm done|im done)(?:\s+(?:cos|for now|then|now|thanks|for today))*$/i;

export function courtesyOf(text: string): Courtesy | undefined {
  const t = text
    .trim()
    .replace(/[\s.!?,]+$/g, "")
    .replace(/\s+/g, " ");
  if (THANKS.test(t)) return "thanks";
  if (BYE.test(t)) return "bye";
  return undefined;
}
