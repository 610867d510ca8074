// When the person is done: "bye", "that's all, thanks", "no that's it goodbye". Only when the
// whole utterance is a farewell (plus fillers), so "add a task to say goodbye to Bob" is a task.

const FAREWELL =
  /\b(?:good ?bye|bye(?: bye)?|that'?s all|that is all|that'?ll be all|that'?s it|that is it|nothing else|i'?m done|we'?re done|i'?m all set|all done|hang up|end (?:the )?call|talk (?:to you )?(?:later|soon)|see (?:you|ya)(?: later)?|have a (?:good|nice) (?:one|day|night|evening))\b/g;

const FILLERS = new Set(
  (
    "um uh er erm hmm mm oh ok okay so well alright right great perfect cool fine good " +
    "thanks thank you very much cheers no nope nah and that's then for now today please " +
    "bye for everything really lovely awesome"
  ).split(" "),
);

/** True when the message only says goodbye. */
export function isFarewell(text: string): boolean {
  const said = text
    .toLowerCase()
    .replace(/[’`]/g, "'")
    .replace(/[^\p{L}\p{N}' ]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (said.length === 0 || said.length > 120) return false;
  const marked = said.replace(FAREWELL, " \u0000 ");
  if (!marked.includes("\u0000")) return false;
  return marked.split(" ").every((w) => w.length === 0 || w === "\u0000" || FILLERS.has(w));
}

export const FAREWELL_SPEECH = "Goodbye.";
