/**
 * An agent that echoes each task's input back as its result.
 *
 *   AGENTOPS_URL=http://127.0.0.1:8080 AGENTOPS_API_KEY=aoh_... AGENT_NAME=echo npx tsx examples/echo-agent.ts
 *
 * Register the agent first (admin key): POST /v1/agents/register {"name": "echo"} → api_key.
 * Ctrl-C stops it gracefully: no new claims, in-flight tasks finish.
 */
import { runAgent } from "agentops-hub/sdk";

const baseUrl = process.env.AGENTOPS_URL ?? "http://127.0.0.1:8080";
const apiKey = process.env.AGENTOPS_API_KEY;
const name = process.env.AGENT_NAME ?? "echo";
if (!apiKey) {
  console.error("Set AGENTOPS_API_KEY to the agent's key");
  process.exit(2);
}

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
process.once("SIGTERM", () => stop.abort());

const log = (level: string) => (obj: object, msg?: string) =>
  console.log(JSON.stringify({ level, msg, ...obj }));

await runAgent({
  baseUrl,
  apiKey,
  name,
  capabilities: ["echo"],
  concurrency: 4,
  signal: stop.signal,
  logger: { debug: () => {}, info: log("info"), warn: log("warn"), error: log("error") },
  async handle(task, ctx) {
    await ctx.progress(`echoing task ${task.number}`);
    // `summary` is what the person hears when the task is done; the rest stays on the task.
    return { summary: `Echoed "${task.title}".`, echo: task.input };
  },
});
console.log("echo agent stopped");
