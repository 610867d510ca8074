import type { Reply } from "../channels/types.ts";
import type { HeldTasks } from "../core/agents.ts";
import type { Agent } from "../core/types.ts";
import { makeReply } from "./reply.ts";
import { sayCount } from "./speech.ts";
import type { Fmt } from "./task-replies.ts";
import { joinAnd, plural, statusWords } from "./text.ts";
import { sayDay, sayTime } from "./time.ts";

/** Working: by its heartbeat, or by the tasks it holds (an agent need not heartbeat to work). */
export const isWorking = (a: Agent, held?: HeldTasks) =>
  a.status === "busy" || a.currentTaskNumber != null || (a.status !== "offline" && held !== undefined);

function doing(a: Agent, held: HeldTasks | undefined): string {
  if (a.status === "offline") return "offline";
  const task = a.currentTaskNumber ?? held?.first;
  if (task == null) return statusWords(a.status);
  const status = a.status === "idle" ? "working" : statusWords(a.status);
  const more = held && held.count > 1 ? ` and ${sayCount(held.count - 1)} more` : "";
  return `${status}, on task ${task}${more}`;
}

function lastSeen(a: Agent, f: Fmt): string {
  if (!a.lastSeenAt) return "never seen";
  const day = sayDay(a.lastSeenAt, f.now, f.timeZone);
  return `last seen ${day} at ${sayTime(a.lastSeenAt, f.timeZone)}`;
}

const ITEMS = 7;

/** `held`: what each agent holds by its claims (heldTasksByAgent). */
export function agentList(
  agents: Agent[],
  status: string | undefined,
  f: Fmt,
  held: ReadonlyMap<string, HeldTasks>,
): Reply {
  const what = status ? `${statusWords(status)} agent` : "agent";
  if (agents.length === 0) {
    return makeReply("agent.list", {
      text: `No ${what}s right now.`,
      speech: `There are no ${what}s right now.`,
    });
  }
  const lines = agents
    .slice(0, ITEMS)
    .map(
      (a) =>
        `${a.name}: ${doing(a, held.get(a.name))}${a.status === "offline" ? ` (${lastSeen(a, f)})` : ""}`,
    );
  if (agents.length > ITEMS) lines.push(`and ${agents.length - ITEMS} more`);
  const busy = agents.filter((a) => isWorking(a, held.get(a.name)));
  const offline = agents.filter((a) => a.status === "offline");
  const spoken = agents.slice(0, 3).map((a) => `${a.name} is ${doing(a, held.get(a.name))}`);
  const more = agents.length - spoken.length;
  const summary = `${busy.length ? `${sayCount(busy.length)} working` : "none working"}${offline.length ? `, ${sayCount(offline.length)} offline` : ""}`;
  return makeReply("agent.list", {
    text: `${plural(agents.length, what)} (${summary}):\n${lines.join("\n")}`,
    speech: `${joinAnd(spoken)}${more > 0 ? `, and ${sayCount(more)} more` : ""}.`,
  });
}

export function agentShown(a: Agent, f: Fmt, held?: HeldTasks): Reply {
  const caps = a.capabilities.length ? ` It can do ${joinAnd(a.capabilities.slice(0, 5))}.` : "";
  const seen = a.status === "offline" || !a.lastSeenAt ? `, ${lastSeen(a, f)}` : "";
  return makeReply("agent.show", {
    text: `${a.name} is ${doing(a, held)}${seen}.${caps}`,
    speech: `${a.name} is ${doing(a, held)}${seen}.`,
  });
}

export function agentCreated(a: Agent): Reply {
  return makeReply("agent.create", {
    text: `I've registered ${a.name}. It needs a key to connect: run "agentops agent add ${a.name}" on the hub's machine, and it prints one. I never show keys in chat.`,
    speech: `I've registered ${a.name}. To give it a key, run agentops agent add ${a.name} on the hub's machine.`,
    actions: [{ type: "agent.registered", id: a.name, summary: `registered agent ${a.name}` }],
  });
}
