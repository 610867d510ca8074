import type { Reply } from "../channels/types.ts";
import { cancelTask, getTask, restoreTask, setProjectStatus } from "../core/index.ts";
import type { ProjectStatus, Task } from "../core/types.ts";
import { cannotUndo, nothingToUndo, undone } from "../cos/meta-replies.ts";
import { setNotification } from "./preferences.ts";
import type { Turn } from "./turn.ts";

const DATE_FIELDS = [
  "createdAt",
  "updatedAt",
  "startedAt",
  "completedAt",
  "dueAt",
  "claimedAt",
  "leaseExpiresAt",
];

/** A task snapshot back from JSON: its dates were strings there. */
export function reviveTask(snapshot: Record<string, unknown>): Task {
  const out: Record<string, unknown> = { ...snapshot };
  for (const f of DATE_FIELDS) {
    const v = out[f];
    if (typeof v === "string") out[f] = new Date(v);
  }
  return out as unknown as Task;
}

/**
 * The task is back as it was before the undone change, but with a new update time: the change
 * before it (which left the task exactly as the snapshot) can still be undone next.
 */
function carryForward(t: Turn, taskNumber: number, snapshotAt: Date, restoredAt: Date) {
  const prev = t.state.undo.findLast((e) => "taskNumber" in e && e.taskNumber === taskNumber);
  if (prev && "afterUpdatedAt" in prev && prev.afterUpdatedAt === new Date(snapshotAt).toISOString()) {
    prev.afterUpdatedAt = restoredAt.toISOString();
  }
}

const changedSince = (task: Task, afterUpdatedAt: string) => task.updatedAt.toISOString() !== afterUpdatedAt;

/** Takes back the person's last change in this conversation, unless something moved since. */
export async function undoIntent(t: Turn): Promise<Reply> {
  const entry = t.state.undo.pop();
  if (!entry) return nothingToUndo();
  switch (entry.kind) {
    case "none":
      return cannotUndo(entry.reason);
    case "task.restore": {
      const now = await getTask(t.tx, entry.taskNumber);
      if (changedSince(now, entry.afterUpdatedAt)) {
        return cannotUndo(`Task ${entry.taskNumber} has changed since, so I left it as it is.`);
      }
      const snapshot = reviveTask(entry.snapshot);
      const restored = await restoreTask(t.tx, now.id, snapshot, t.op);
      carryForward(t, entry.taskNumber, snapshot.updatedAt, restored.updatedAt);
      t.state.lastTaskNumber = entry.taskNumber;
      return { ...undone(entry.summary), taskNumber: entry.taskNumber };
    }
    case "task.created": {
      const now = await getTask(t.tx, entry.taskNumber);
      if (changedSince(now, entry.afterUpdatedAt)) {
        return cannotUndo(`Task ${entry.taskNumber} has changed since it was added, so I left it as it is.`);
      }
      await cancelTask(t.tx, now.id, t.op);
      return { ...undone(entry.summary), taskNumber: entry.taskNumber };
    }
    case "project.status":
      await setProjectStatus(t.tx, entry.projectId, entry.previousStatus as ProjectStatus, t.op);
      return undone(entry.summary);
    case "project.created":
      await setProjectStatus(t.tx, entry.projectId, "cancelled", t.op);
      return undone(entry.summary);
    case "notify.set":
      await setNotification(t.tx, entry.previous);
      return undone(entry.summary);
  }
}
