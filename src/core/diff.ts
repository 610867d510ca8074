/** The fields that changed, as {from, to}: what `*.updated` events and undo messages show. */
export function diff<T extends object>(
  before: T,
  after: T,
  keys: readonly (keyof T)[],
): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const k of keys) {
    const a = before[k] ?? null;
    const b = after[k] ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) out[String(k)] = { from: a, to: b };
  }
  return out;
}
