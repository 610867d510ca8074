import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export interface RedisScript {
  run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

/**
 * A Lua script sent by hash (EVALSHA), and in full only when the server does not know it yet
 * (first use, or after a restart emptied its script cache).
 */
export function redisScript(source: string): RedisScript {
  const sha = createHash("sha1").update(source).digest("hex");
  return {
    async run(client, keys, args) {
      try {
        return await client.evalsha(sha, keys.length, ...keys, ...args);
      } catch (e) {
        if (!(e instanceof Error) || !e.message.startsWith("NOSCRIPT")) throw e;
        return client.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}
