// Regex pieces naming a task. Loose patterns ("make X urgent") only accept a task-ish phrase here,
// so a lazy capture cannot swallow half of the rest of the sentence.
import { NUMBER_SRC } from "./numbers.ts";

export const TREF = String.raw`(?<t>(?:the\s+)?(?:(?:task|ticket|item|todo|job|card)\s*)?(?:(?:number|num|no\.?|#)\s*)?#?\s*${NUMBER_SRC}|this one|that one|that task|this task|it|that|this|the last (?:one|task)|the (?:latest|previous|new) (?:one|task)|(?:the |my )?[\w'./&+-]+(?: [\w'./&+-]+){0,8}? task|(?:the )?task (?:about|to|for|called|named|titled) [\w'./&+ -]+?)`;

/** Loose capture, for patterns where fixed words follow the task. */
export const T = `(?<t>.+?)`;
