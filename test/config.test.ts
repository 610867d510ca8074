import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";

const dir = mkdtempSync(join(tmpdir(), "agentops-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The message a bad configuration stops the start with. */
function refused(env: Record<string, string>): string {
  try {
    loadConfig(env, { dotenv: false });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe("configuration", () => {
  it("runs with nothing set: the embedded defaults", () => {
    const c = loadConfig({}, { dotenv: false });
    expect(c).toMatchObject({ host: "127.0.0.1", port: 8080, dataDir: "./data", logLevel: "info" });
    expect(c.logFormat).toBe("auto");
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.natsUrl).toBeUndefined();
  });

  it("names each bad value, says what it must be, and what it got", () => {
    expect(refused({ PORT: "abc" })).toContain('PORT must be a whole number from 0 to 65535, got "abc"');
    expect(refused({ LOG_LEVEL: "loud" })).toContain(
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "loud"',
    );
    expect(refused({ LOG_FORMAT: "fancy" })).toContain(
      'LOG_FORMAT must be one of auto, json, pretty; got "fancy"',
    );
    expect(refused({ REDIS_URL: "http://cache:6379" })).toContain("REDIS_URL must start with redis://");
    expect(refused({ TELEGRAM_WEBHOOK_URL: "https://hub.example/tg" })).toContain(
      "TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set",
    );
    // every bad value at once, not one per attempt
    const both = refused({ PORT: "70000", BRIEFING_TIME: "25:00" });
    expect(both).toContain("PORT");
    expect(both).toContain('BRIEFING_TIME must be a time like 08:30, got "25:00"');
  });

  it("never repeats a secret it refuses", () => {
    const m = refused({ DATABASE_URL: "mysql://admin:hunter2-secret@db.example/agentops" });
    expect(m).toContain("DATABASE_URL must start with postgres:// or postgresql://");
    expect(m).not.toContain("hunter2");
    expect(refused({ VOICE_TOKEN: "short-secret" })).not.toContain("short-secret");
  });

  it("reads .env beside the hub, and the environment wins over it", () => {
    writeFileSync(join(dir, ".env"), "PORT=9090\nLOG_FORMAT=json\nHOST=0.0.0.0\n");
    const c = loadConfig({ HOST: "127.0.0.2" }, { cwd: dir });
    expect(c.port).toBe(9090);
    expect(c.logFormat).toBe("json");
    expect(c.host).toBe("127.0.0.2");
  });
});
