#!/usr/bin/env node
// The `agentops` command: loads the TypeScript CLI through tsx in this process (no build step,
// and signals reach the hub directly).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
