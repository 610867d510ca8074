import { describe, expect, it } from "vitest";
import { cleanBody, firstLines, stripSubjectPrefixes } from "../../../adapters/email/clean-body.ts";
import { newSubject, replySubject, toMailOptions, trimReferences } from "../../../adapters/email/compose.ts";
import { dropReason } from "../../../adapters/email/loop-guard.ts";
import { isOwnMessageId, messageIdList, newMessageId } from "../../../adapters/email/message-id.ts";
import { type ParsedEmail, parseMessage } from "../../../adapters/email/parse-message.ts";
import { parseImapUrl, resolveEmailSettings } from "../../../adapters/email/settings.ts";
import { fixture } from "./fixtures.ts";

const OWN = { fromAddress: "hub@agentops.test", idDomain: "agentops.test" };

async function parsed(name: string): Promise<ParsedEmail> {
  const r = await parseMessage(fixture(name));
  if (!r.ok) throw new Error(`${name} did not parse: ${r.reason}`);
  return r.mail;
}

describe("recorded mail → parsed message", () => {
  it("a Gmail message: sender lowercased, signature and valediction gone", async () => {
    const m = await parsed("gmail-new-task.eml");
    expect(m.from).toEqual({ address: "alice@example.com", name: "Alice Martin" });
    expect(m.messageId).toBe("CAF3x9Lr1bXnq8T0p+Jd0k2Q@mail.gmail.com");
    expect(m.subject).toBe("Draft the launch email [Launch] !high");
    expect(cleanBody(m.text)).toBe(
      "Please write a first draft of the launch email.\nFocus on the new pricing and keep it under 200 words.",
    );
    expect(dropReason(m, OWN)).toBeUndefined();
  });

  it("a Gmail reply: the quote is gone, the thread ids are read", async () => {
    const m = await parsed("gmail-reply-done.eml");
    expect(cleanBody(m.text)).toBe("done");
    expect(m.inReplyTo).toEqual(["agentops.5b0f7c52-8d9e-4f4a-9a51-3c2d1e0f9a77@agentops.test"]);
    expect(m.references).toEqual([
      "CAF3x9Lr1bXnq8T0p+Jd0k2Q@mail.gmail.com",
      "agentops.5b0f7c52-8d9e-4f4a-9a51-3c2d1e0f9a77@agentops.test",
    ]);
    expect(dropReason(m, OWN)).toBeUndefined();
  });

  it("an Outlook reply: the From/Sent block and the signature are gone", async () => {
    const m = await parsed("outlook-reply.eml");
    expect(cleanBody(m.text)).toBe("Please use the blue logo from the brand kit, not the green one.");
    expect(stripSubjectPrefixes(m.subject)).toBe("Created task 7: Update the pricing page");
  });

  it("an Apple Mail reply: 'Sent from my iPhone' and the quote are gone", async () => {
    const m = await parsed("apple-mail-reply.eml");
    expect(firstLines(cleanBody(m.text))).toBe("high priority");
  });

  it("an attachment keeps its name, type and bytes", async () => {
    const m = await parsed("with-attachment.eml");
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]?.filename).toBe("guidelines.txt");
    expect(m.attachments[0]?.content.toString()).toBe("Use the blue logo. Never the green one.\n");
    expect(cleanBody(m.text)).toBe("The guidelines are attached; check the logo section.");
  });

  it("a message without a Message-ID gets a stable hash of its bytes", async () => {
    const a = await parsed("command-subject.eml");
    const b = await parsed("command-subject.eml");
    expect(a.messageIdSynthesized).toBe(true);
    expect(a.messageId).toMatch(/^sha256-[0-9a-f]{64}@agentops\.invalid$/);
    expect(a.messageId).toBe(b.messageId);
    expect(a.subject).toBe("brief me");
  });

  it("malformed MIME is refused with a reason, keeping who sent it", async () => {
    const r = await parseMessage(fixture("malformed.eml"));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toMatch(/boundary/);
    expect(r.from?.address).toBe("alice@example.com");
    expect(r.messageId).toBe("broken-mime-3c1e@example.com");
  });

  it("bytes that are not mail at all are malformed", async () => {
    const r = await parseMessage(Buffer.from("\u0000\u0001garbage without headers"));
    expect(r.ok).toBe(false);
  });
});

describe("the loop and flood guard", () => {
  it.each([
    ["auto-reply.eml", /Auto-Submitted/],
    ["bounce.eml", /Auto-Submitted|report|robot/],
    ["list-message.eml", /Precedence|List/],
  ])("drops %s", async (name, reason) => {
    expect(dropReason(await parsed(name), OWN)).toMatch(reason);
  });

  it("drops the hub's own mail, by address, header or Message-ID", async () => {
    const base = await parsed("gmail-new-task.eml");
    expect(dropReason({ ...base, from: { address: "hub@agentops.test" } }, OWN)).toMatch(/own address/);
    expect(dropReason({ ...base, headers: { ...base.headers, hubMarker: true } }, OWN)).toMatch(/hub/);
    expect(dropReason({ ...base, messageId: newMessageId("agentops.test") }, OWN)).toMatch(/Message-ID/);
    expect(dropReason({ ...base, headers: { ...base.headers, returnPath: "<>" } }, OWN)).toMatch(
      /null return/,
    );
    expect(dropReason({ ...base, from: { address: "postmaster@example.com" } }, OWN)).toMatch(/robot/);
    expect(dropReason({ ...base, headers: { ...base.headers, autoSubmitted: "no" } }, OWN)).toBeUndefined();
  });
});

describe("composing the hub's mail", () => {
  it("a reply threads: In-Reply-To the parent, References the chain, Re: once", () => {
    const o = toMailOptions({
      from: "AgentOps <hub@agentops.test>",
      to: "alice@example.com",
      messageId: "agentops.1@agentops.test",
      subject: replySubject("Re: RE: Launch", "x"),
      text: "Created task 14: Launch",
      thread: { inReplyTo: "b@x", references: ["a@x"] },
      kind: "auto-replied",
      taskNumber: 14,
    });
    expect(o.subject).toBe("Re: Launch");
    expect(o.inReplyTo).toBe("<b@x>");
    expect(o.references).toBe("<a@x> <b@x>");
    expect(o.messageId).toBe("<agentops.1@agentops.test>");
    expect(o.headers).toMatchObject({ "Auto-Submitted": "auto-replied", "X-AgentOps-Hub": "1" });
    expect(String(o.text)).toMatch(/^Created task 14: Launch\n\n-- \n/);
  });

  it("keeps the root and the newest references when a thread grows long", () => {
    const ids = Array.from({ length: 30 }, (_, i) => `m${i}@x`);
    const t = trimReferences(ids);
    expect(t).toHaveLength(12);
    expect(t[0]).toBe("m0@x");
    expect(t.at(-1)).toBe("m29@x");
  });

  it("names a new task mail after the task", () => {
    expect(newSubject("Seed finished the landing page\nmore", 9)).toBe(
      "Task 9: Seed finished the landing page",
    );
    expect(newSubject("Task 9 is blocked", 9)).toBe("Task 9 is blocked");
  });

  it("knows its own ids and reads id lists", () => {
    expect(isOwnMessageId(newMessageId("agentops.test"), "agentops.test")).toBe(true);
    expect(isOwnMessageId("CAF3x@mail.gmail.com", "agentops.test")).toBe(false);
    expect(messageIdList("<a@x>  <b@y>\r\n <a@x>")).toEqual(["a@x", "b@y"]);
  });
});

describe("settings", () => {
  it("reads the IMAP URL without ever putting the password in the label", () => {
    const t = parseImapUrl("imaps://hub%40example.com:s3cr%2Ft@imap.example.com");
    expect(t).toMatchObject({
      host: "imap.example.com",
      port: 993,
      secure: true,
      user: "hub@example.com",
      pass: "s3cr/t",
    });
    expect(t.label).toBe("hub@example.com@imap.example.com:993");
    expect(t.label).not.toContain("s3cr");
  });

  it("names every missing setting", () => {
    const config = {
      email: {
        imapUrl: undefined,
        smtpUrl: undefined,
        from: undefined,
        doneFolder: "d",
        failedFolder: "f",
        requireConfirm: false,
        pollMs: 1000,
      },
      owner: { name: undefined, telegramIds: [], discordIds: [], emails: [], phones: [] },
      dataDir: "/tmp",
      instanceId: "hub-1",
    };
    expect(() => resolveEmailSettings(config)).toThrow(/IMAP_URL, SMTP_URL, EMAIL_FROM/);
  });
});
