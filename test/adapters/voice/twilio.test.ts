import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkIdentity } from "../../../src/conversation/identities.ts";
import {
  expectSpeakable,
  OWNER_PHONE,
  PUBLIC_URL,
  startVoiceHub,
  TWILIO_TOKEN,
  type VoiceHub,
} from "./harness.ts";

let hub: VoiceHub;

beforeAll(async () => {
  hub = await startVoiceHub();
});
afterAll(async () => {
  await hub?.close();
});

/** A webhook as Twilio sends it: form-encoded, signed over PUBLIC_URL + path and the fields. */
function twilioPost(path: string, params: Record<string, string>, o: { signature?: string } = {}) {
  const signature =
    o.signature ?? twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${PUBLIC_URL}${path}`, params);
  return hub.call(path, {
    token: null,
    raw: new URLSearchParams(params).toString(),
    headers: {
      "content-type": "application/x-www-form-urlencoded; charset=UTF-8",
      "x-twilio-signature": signature,
    },
  });
}

const call = (sid: string, from = OWNER_PHONE) => ({
  CallSid: sid,
  AccountSid: "AC123",
  From: from,
  To: "+15550009999",
});
/** The <Say> text and the <Gather> action of a TwiML answer. */
function read(xml: string) {
  const say = [...xml.matchAll(/<Say>([^<]*)<\/Say>/g)].map((m) => m[1] ?? "").join(" ");
  const action = /<Gather [^>]*action="([^"]*)"/.exec(xml)?.[1]?.replaceAll("&amp;", "&");
  return {
    say: say.replaceAll("&apos;", "'").replaceAll("&amp;", "&"),
    action,
    hangup: xml.includes("<Hangup/>"),
  };
}

describe("Twilio", () => {
  it("answers the owner's call with a greeting and a speech Gather, then loops the conversation", async () => {
    const r = await twilioPost("/v1/voice/twilio", call("CA1"));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/xml/);
    expect(r.text).toContain(
      '<Gather input="speech" action="/v1/voice/twilio/gather?turn=1" method="POST" speechTimeout="auto"',
    );
    const greet = read(r.text);
    expect(greet.say).toMatch(/What can I do for you\?/);

    const turn1 = await twilioPost(greet.action ?? "", {
      ...call("CA1"),
      SpeechResult: "Um, add a task to call the bank tomorrow.",
      Confidence: "0.91",
    });
    const a = read(turn1.text);
    expect(a.say).toMatch(/I've added task (\d+), call the bank, due tomorrow/);
    expectSpeakable(a.say);
    expect(a.action).toBe("/v1/voice/twilio/gather?turn=2");
    const n = Number(/task (\d+)/.exec(a.say)?.[1]);

    // Twilio redelivers the same turn: nothing happens twice, the same words come back.
    const count = await hub.taskCount();
    const again = await twilioPost(greet.action ?? "", {
      ...call("CA1"),
      SpeechResult: "Um, add a task to call the bank tomorrow.",
      Confidence: "0.91",
    });
    expect(read(again.text).say).toBe(a.say);
    expect(await hub.taskCount()).toBe(count);

    const turn2 = read(
      (
        await twilioPost(a.action ?? "", {
          ...call("CA1"),
          SpeechResult: `cancel task ${n}`,
          Confidence: "0.9",
        })
      ).text,
    );
    expect(turn2.say).toMatch(/\?/);
    const turn3 = read(
      (await twilioPost(turn2.action ?? "", { ...call("CA1"), SpeechResult: "yes", Confidence: "0.95" }))
        .text,
    );
    expect(turn3.say).toMatch(/cancelled task/i);
    expect((await hub.task(n))?.status).toBe("cancelled");

    const bye = read(
      (
        await twilioPost(turn3.action ?? "", {
          ...call("CA1"),
          SpeechResult: "That's all, thanks. Bye!",
          Confidence: "0.9",
        })
      ).text,
    );
    expect(bye.hangup).toBe(true);
    expect(bye.action).toBeUndefined();
  });

  it("reads back a doubtful SpeechResult before acting", async () => {
    const before = await hub.taskCount();
    const r = read(
      (
        await twilioPost("/v1/voice/twilio/gather?turn=1", {
          ...call("CA2"),
          SpeechResult: "add a task to sell the boat",
          Confidence: "0.32",
        })
      ).text,
    );
    expect(r.say).toMatch(/I heard: add a task to sell the boat/);
    expect(await hub.taskCount()).toBe(before);
  });

  it("asks again after silence, then hangs up", async () => {
    const first = read(
      (await twilioPost("/v1/voice/twilio/gather?turn=3", { ...call("CA3"), SpeechResult: "" })).text,
    );
    expect(first.say).toMatch(/didn't hear anything/);
    expect(first.action).toBe("/v1/voice/twilio/gather?turn=3&quiet=1");
    const second = read((await twilioPost(first.action ?? "", call("CA3"))).text);
    expect(second.hangup).toBe(true);
  });

  it("turns a stranger away politely and hangs up; a paired phone is served", async () => {
    const before = await hub.taskCount();
    const r = read((await twilioPost("/v1/voice/twilio", call("CA4", "+15551234567"))).text);
    expect(r.say).toMatch(/only take calls from my owner/);
    expect(r.hangup).toBe(true);
    const sneaky = read(
      (
        await twilioPost("/v1/voice/twilio/gather?turn=1", {
          ...call("CA4", "+15551234567"),
          SpeechResult: "add a task to wire money",
          Confidence: "0.99",
        })
      ).text,
    );
    expect(sneaky.hangup).toBe(true);
    expect(await hub.taskCount()).toBe(before);

    await linkIdentity(hub.db.sql, "phone:+15557654321", "partner's phone");
    const paired = read((await twilioPost("/v1/voice/twilio", call("CA5", "+1 555 765 4321"))).text);
    expect(paired.action).toBe("/v1/voice/twilio/gather?turn=1");
  });

  it("refuses a forged or missing signature with 403", async () => {
    const forged = await twilioPost("/v1/voice/twilio", call("CA6"), { signature: "bm90IGEgc2lnbmF0dXJl" });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe("forbidden");
    // signed for other fields than those sent
    const signed = twilio.getExpectedTwilioSignature(
      TWILIO_TOKEN,
      `${PUBLIC_URL}/v1/voice/twilio/gather?turn=1`,
      {
        ...call("CA6"),
        SpeechResult: "what's open",
      },
    );
    const tampered = await twilioPost(
      "/v1/voice/twilio/gather?turn=1",
      { ...call("CA6"), SpeechResult: "cancel task 1" },
      { signature: signed },
    );
    expect(tampered.status).toBe(403);
    const missing = await hub.call("/v1/voice/twilio", {
      token: null,
      raw: new URLSearchParams(call("CA6")).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(missing.status).toBe(403);
  });
});
