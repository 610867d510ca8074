import { expect } from "vitest";
import { wordCount } from "../../src/cos/speech.ts";

/** What a speech engine must never be handed. */
export function assertSpeakable(speech: string, context = "") {
  expect(wordCount(speech), `${context}: ${speech}`).toBeLessThan(75);
  expect(speech, context).not.toMatch(/[*_`#[\]|>~]/);
  expect(speech, context).not.toMatch(/\n|•|^\s*[-\d]+[.)]\s/m);
  expect(speech, context).not.toMatch(/\p{Extended_Pictographic}/u);
  expect(speech, context).not.toMatch(/https?:\/\/|www\./i);
  expect(speech, context).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
  expect(speech, context).not.toMatch(/\d{4}-\d{2}-\d{2}/);
}
