import { describe, expect, it } from "vitest";
import { confirmButtons, taskButtons } from "../../src/channels/buttons.ts";
import { pickChoice } from "../../src/conversation/choice.ts";
import { pairingCandidates } from "../../src/conversation/pairing.ts";
import { renderForChannel } from "../../src/cos/render.ts";
import { makeReply } from "../../src/cos/reply.ts";

describe("renderForChannel", () => {
  const list = makeReply("task.list", {
    text: "2 open tasks:\n#7 'fix the form' (in progress, seed)\n#9 'call the bank' (waiting to be picked up)",
    speech: "You have two open tasks.",
  });

  it("gives email full sentences and what to reply instead of buttons", () => {
    const r = renderForChannel({ ...list, buttons: [taskButtons(7)], taskNumber: 7 }, "email");
    expect(r.buttons).toEqual([]);
    expect(r.text.split("\n").every((l) => l === "" || /[.!?:"')]$/.test(l))).toBe(true);
    expect(r.text).toContain('Reply "done" to close task 7');
    const q = renderForChannel(
      makeReply("task.cancel", { text: "Cancel task 7?", buttons: [confirmButtons()] }),
      "email",
    );
    expect(q.text).toContain('Reply "yes" to go ahead');
  });

  it("gives voice the speech and chats the text with buttons", () => {
    expect(renderForChannel(list, "voice").text).toBe("You have two open tasks.");
    const chat = renderForChannel({ ...list, buttons: [taskButtons(7)] }, "telegram");
    expect(chat.text).toBe(list.text);
    expect(chat.buttons).toHaveLength(1);
  });
});

describe("answers to 'which one'", () => {
  const options = [
    { number: 12, title: "write the landing page copy" },
    { number: 14, title: "fix the contact form" },
    { number: 15, title: "design the hero image" },
  ];
  it.each([
    ["the second one", 14],
    ["2nd", 14],
    ["third", 15],
    ["the last one", 15],
    ["one", 12],
    ["14", 14],
    ["#15", 15],
    ["number 2", 14],
    ["the landing page one", 12],
    ["the contact one", 14],
  ])("%s → task %d", (text, n) => {
    expect(pickChoice(text, options, { titleWords: true })?.number).toBe(n);
  });
  it.each(["yes", "the fourth one", "99", "cancel everything now please", "the"])("%s → nothing", (text) => {
    expect(pickChoice(text, options, { titleWords: true })).toBeUndefined();
  });
});

describe("pairing codes in a message", () => {
  it("finds the code however it is written", () => {
    expect(pairingCandidates("pair k7qm-4txp")).toContain("K7QM4TXP");
    expect(pairingCandidates("K7QM 4TXP")).toContain("K7QM4TXP");
    expect(pairingCandidates("K7QM4TXP")).toEqual(["K7QM4TXP"]);
    expect(pairingCandidates("hello there")).toEqual([]);
    expect(pairingCandidates("x".repeat(1000))).toEqual([]);
  });
});
