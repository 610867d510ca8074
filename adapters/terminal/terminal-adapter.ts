import { randomUUID } from "node:crypto";
import { createInterface, type Interface } from "node:readline";
import { decodeButton } from "../../src/channels/buttons.ts";
import type {
  AdapterContext,
  ChannelAdapter,
  OutboundMessage,
  Reply,
  ReplyButton,
} from "../../src/channels/types.ts";

export interface TerminalConfig {
  /** shown before each line the person types ("> ") */
  prompt?: string;
  /** the conversation id the terminal's state is kept under ("local") */
  conversation?: string;
}

export interface TerminalDeps {
  /** stdin unless given */
  input?: NodeJS.ReadableStream;
  /** stdout unless given */
  output?: NodeJS.WritableStream;
}

export interface TerminalAdapter extends ChannelAdapter {
  /** resolves when the person leaves (/quit, EOF) or stop() is called, after the last reply */
  readonly closed: Promise<void>;
}

const QUIT = new Set(["/quit", "/exit", "/q"]);

/** What the buttons would do, as words to type: the terminal has no buttons. */
function hint(buttons: ReplyButton[][]): string | undefined {
  const intents = new Set(buttons.flat().map((b) => decodeButton(b.data)?.intent));
  if (intents.has("confirm")) return "(yes / no)";
  return undefined;
}

/**
 * The owner's chat in a terminal: each line goes to the dispatcher, each reply is printed, and
 * notifications appear as they arrive. The terminal speaks for the owner (whoever can type
 * here already has the machine).
 */
export function createTerminalAdapter(config: TerminalConfig = {}, deps: TerminalDeps = {}): TerminalAdapter {
  const input = deps.input ?? process.stdin;
  const output = deps.output ?? process.stdout;
  const prompt = config.prompt ?? "> ";
  const conversation = config.conversation ?? "local";
  const interactive =
    (output as { isTTY?: boolean }).isTTY === true && (input as { isTTY?: boolean }).isTTY === true;
  let rl: Interface | undefined;
  let chain: Promise<void> = Promise.resolve();
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  let started = false;
  let ended = false;

  const write = (s: string) => {
    output.write(s);
  };
  const showPrompt = () => {
    if (interactive && rl && !ended) rl.prompt();
  };

  function print(reply: Reply) {
    if (reply.silent) return;
    const extra = hint(reply.buttons);
    write(`${reply.text}${extra ? `\n${extra}` : ""}\n`);
  }

  async function handleLine(ctx: AdapterContext, line: string) {
    const text = line.trim();
    if (text.length === 0) return showPrompt();
    if (QUIT.has(text.toLowerCase())) {
      rl?.close();
      return;
    }
    try {
      const reply = await ctx.dispatcher.handle({
        channel: "terminal",
        sender: "owner",
        conversation,
        text,
        messageId: randomUUID(),
        receivedAt: new Date(),
      });
      print(reply);
    } catch (e) {
      ctx.logger.error({ err: e instanceof Error ? e.message : String(e) }, "terminal: dispatcher failed");
      write("Something went wrong; see the log.\n");
    }
    showPrompt();
  }

  return {
    name: "terminal",
    closed,
    async start(ctx: AdapterContext) {
      if (started) return;
      started = true;
      rl = createInterface({ input, output, terminal: interactive, prompt });
      write('Talking to your Chief of Staff. Type "help" for ideas, /quit to leave.\n');
      showPrompt();
      // One line at a time, in order: a reply never overtakes the one before it.
      rl.on("line", (line) => {
        chain = chain.then(() => handleLine(ctx, line));
      });
      rl.on("close", () => {
        ended = true;
        void chain.then(() => resolveClosed());
      });
      ctx.signal.addEventListener("abort", () => rl?.close(), { once: true });
    },
    async stop() {
      if (!started) {
        resolveClosed();
        return;
      }
      rl?.close();
      await closed;
    },
    async send(_conversation: string, message: OutboundMessage) {
      write(
        `\n[${new Date().toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" })}] ${message.text}\n`,
      );
      showPrompt();
    },
  };
}
