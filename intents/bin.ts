// Runnable entry until the lead wires `parse` into the agentops CLI: `tsx intents/bin.ts [parse] ...`.
import { runParseCommand } from "./cli.ts";

const args = process.argv.slice(2);
if (args[0] === "parse") args.shift();
process.exitCode = await runParseCommand(args, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
