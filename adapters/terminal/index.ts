export {
  createTerminalAdapter,
  type TerminalAdapter,
  type TerminalConfig,
  type TerminalDeps,
} from "./terminal-adapter.ts";
