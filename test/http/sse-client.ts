export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
  comment?: string;
}

/** A minimal EventSource over fetch: collects messages, resolves `next` as they arrive. */
export async function openSse(url: string, headers: Record<string, string>) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  let waiters: Array<() => void> = [];
  let ended = false;
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();

  void (async () => {
    let buf = "";
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        buf += decoder.decode(chunk.value, { stream: true });
        let i = buf.indexOf("\n\n");
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const m: SseMessage = { data: "" };
          let hasData = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line.slice(1).trim());
            else if (line.startsWith("id: ")) m.id = line.slice(4);
            else if (line.startsWith("event: ")) m.event = line.slice(7);
            else if (line.startsWith("data: ")) {
              m.data += line.slice(6);
              hasData = true;
            }
          }
          if (hasData) messages.push(m);
          i = buf.indexOf("\n\n");
        }
        const ws = waiters;
        waiters = [];
        for (const w of ws) w();
      }
    } catch {
      // aborted
    } finally {
      ended = true;
      for (const w of waiters) w();
    }
  })();

  return {
    status: res.status,
    headers: res.headers,
    messages,
    comments,
    get ended() {
      return ended;
    },
    /** resolves once `check` is true of what has arrived */
    async until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (ended) throw new Error("stream ended");
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(messages.map((x) => x.event))}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    },
    close() {
      ac.abort();
    },
  };
}
