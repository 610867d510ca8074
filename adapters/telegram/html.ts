/**
 * Text for Telegram's HTML parse mode: `<`, `>` and `&` must be entities everywhere, and `"` too
 * inside attribute values. Everything else passes as is.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ENTITIES[c] ?? c);
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
