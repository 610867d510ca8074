/**
 * The ids of the last `capacity` events seen, oldest forgotten first. A gateway RESUME may replay an
 * event the client already had; this drops such a replay at once. It is only a first line: the
 * dispatcher's persistent (channel, messageId) dedupe is what holds across restarts.
 */
export function createRecentIds(capacity = 5_000) {
  const seen = new Set<string>();
  return {
    /** true the first time an id is offered, false after */
    firstTime(id: string): boolean {
      if (seen.has(id)) return false;
      seen.add(id);
      if (seen.size > capacity) {
        const oldest = seen.values().next().value;
        if (oldest !== undefined) seen.delete(oldest);
      }
      return true;
    },
  };
}
