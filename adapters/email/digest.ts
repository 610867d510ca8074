import type { OutboundMessage } from "../../src/channels/types.ts";

interface Pending {
  message: OutboundMessage;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export type Deliver = (conversation: string, messages: OutboundMessage[]) => Promise<void>;

export interface Digester {
  /** resolves once the batch holding this message was sent (or rejects with why it was not) */
  add(conversation: string, message: OutboundMessage): Promise<void>;
  /** sends everything waiting now */
  flush(): Promise<void>;
}

/**
 * Notifications to one conversation within `windowMs` of the first go out together: one mail
 * instead of a flood. `deliver` decides how a batch becomes mail.
 */
export function createDigester(windowMs: number, deliver: Deliver): Digester {
  const batches = new Map<string, { items: Pending[]; timer: NodeJS.Timeout }>();

  async function send(conversation: string): Promise<void> {
    const b = batches.get(conversation);
    if (!b) return;
    batches.delete(conversation);
    clearTimeout(b.timer);
    try {
      await deliver(
        conversation,
        b.items.map((i) => i.message),
      );
      for (const i of b.items) i.resolve();
    } catch (e) {
      for (const i of b.items) i.reject(e);
    }
  }

  return {
    add(conversation, message) {
      return new Promise<void>((resolve, reject) => {
        const existing = batches.get(conversation);
        if (existing) {
          existing.items.push({ message, resolve, reject });
          return;
        }
        const timer = setTimeout(() => void send(conversation), windowMs);
        batches.set(conversation, { items: [{ message, resolve, reject }], timer });
      });
    },
    async flush() {
      await Promise.all([...batches.keys()].map((c) => send(c)));
    },
  };
}
