import type { Reply } from "../channels/types.ts";
import { heldTasksByAgent, listAgents, registerAgent } from "../core/index.ts";
import type { AgentStatus } from "../core/types.ts";
import { agentCreated, agentList, agentShown, isWorking } from "../cos/agent-replies.ts";
import { makeReply } from "../cos/reply.ts";
import { resolveAgent } from "./resolve.ts";
import { type Slots, str, type Turn } from "./turn.ts";

const STATUSES = new Set(["idle", "busy", "offline", "error"]);

export async function listAgentsIntent(t: Turn, slots: Slots): Promise<Reply> {
  const status = str(slots.status)?.toLowerCase();
  const all = await listAgents(t.tx, status && STATUSES.has(status) ? { status: status as AgentStatus } : {});
  const held = await heldTasksByAgent(t.tx);
  // "who is online" / "who is working": words people use that are not stored statuses.
  const agents =
    status === "online" || status === "active"
      ? all.filter((a) => a.status !== "offline")
      : status === "working"
        ? all.filter((a) => isWorking(a, held.get(a.name)))
        : all;
  return agentList(agents, status && STATUSES.has(status) ? status : undefined, t.fmt, held);
}

export async function showAgentIntent(t: Turn, slots: Slots): Promise<Reply> {
  const a = await resolveAgent(t, "agent.show", slots.agent ?? slots.name ?? slots.assignee);
  if ("reply" in a) return a.reply;
  const held = await heldTasksByAgent(t.tx, a.ok.name);
  return agentShown(a.ok, t.fmt, held.get(a.ok.name));
}

/** Registers the agent without a key: keys are never shown in a chat, the CLI prints them. */
export async function createAgentIntent(t: Turn, slots: Slots): Promise<Reply> {
  const said = str(slots.name);
  const name = said
    ?.toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  if (!name) {
    return makeReply("agent.create", {
      text: `What should the agent be called? For example "create an agent called researcher for web research".`,
      speech: "What should the agent be called?",
    });
  }
  const capabilities = Array.isArray(slots.capabilities)
    ? slots.capabilities.filter((c): c is string => typeof c === "string" && c.trim().length > 0).slice(0, 20)
    : [];
  const description = str(slots.description);
  const r = await registerAgent(
    t.tx,
    {
      name,
      type: "specialist",
      ...(capabilities.length ? { capabilities } : {}),
      ...(description ? { description } : {}),
    },
    t.op,
    { issueKey: false },
  );
  t.state.undo.push({
    kind: "none",
    reason: `I can't unregister ${r.agent.name} from a chat; "agentops agent" commands on the hub's machine can.`,
  });
  return agentCreated(r.agent);
}
