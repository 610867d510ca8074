import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDiscordAdapter } from "../../../adapters/discord/index.ts";
import { FakeDiscord } from "../../fakes/discord/fake-discord.ts";
import { createTestDatabase, type TestDb } from "../../helpers/db.ts";
import { waitFor } from "../../helpers/wait.ts";
import { OWNER_ID, TestDispatcher } from "./harness.ts";

let db: TestDb;
let fake: FakeDiscord;
beforeAll(async () => {
  db = await createTestDatabase();
  fake = await FakeDiscord.start();
});
afterAll(async () => {
  await fake?.close();
  await db?.drop();
});

it("never logs the bot token or an interaction token, even when a call fails", async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: "trace" }, sink);
  const adapter = createDiscordAdapter(
    {
      instanceId: "hub-log",
      discord: {
        token: fake.token,
        applicationId: fake.applicationId,
        channelIds: [],
        guildId: undefined,
        apiBase: fake.apiBase,
      },
    },
    { sql: db.sql, logger, lease: { ttlMs: 3_000 } },
  );
  const dispatcher = new TestDispatcher();
  await adapter.start({ dispatcher, logger, signal: new AbortController().signal });
  try {
    await fake.waitForConnection();
    fake.dmText(OWNER_ID, "hello");
    await fake.waitForMessage((m) => m.content === "ok: hello");
    fake.failNext({ method: "POST", path: /^\/interactions\//, status: 404 });
    const sent = fake.slashCommand({ userId: OWNER_ID, name: "help" });
    await waitFor(() => lines.some((l) => l.includes("could not answer an interaction")), {
      what: "the failure log",
    });
    const all = lines.join("\n");
    expect(all).not.toContain(fake.token);
    expect(all).not.toContain(sent.token);
    expect(all).toContain('"status":404');
  } finally {
    await adapter.stop();
  }
});
