import { readFileSync } from "node:fs";

/** A recorded message from test/fixtures/mail, as bytes. */
export const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../fixtures/mail/${name}`, import.meta.url));

/** The fixture with its Message-ID (and any other text) swapped, so one recording can be delivered many times. */
export function fixtureWith(name: string, replacements: Record<string, string>): Buffer {
  let s = fixture(name).toString("latin1");
  for (const [from, to] of Object.entries(replacements)) s = s.split(from).join(to);
  return Buffer.from(s, "latin1");
}
