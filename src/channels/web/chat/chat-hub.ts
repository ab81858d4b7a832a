import type { ChatEvent } from './chat-events';

type Listener = (ev: ChatEvent) => void;

interface Entry {
  status?: ChatEvent;
  sources?: ChatEvent;
  text?: ChatEvent;
  final?: ChatEvent;
  listeners: Set<Listener>;
  expiry?: NodeJS.Timeout;
}

/**
 * Relays a turn's progress from the worker that answers it to the events streams watching it, in this process,
 * keyed by the delivery (viewer and message id). It keeps the latest state (status, sources, text so far, final)
 * so a stream that connects late, or reconnects, starts from where the answer is. Answers made by another
 * instance never reach it: the events stream polls the database for those.
 */
export class ChatHub {
  private readonly entries = new Map<string, Entry>();

  /** @param keepMs how long a turn's state outlives its last event (reconnects within it are served from memory) */
  constructor(private readonly keepMs = 60_000) {}

  publish(key: string, ev: ChatEvent): void {
    const entry = this.entry(key);
    if (ev.event === 'final' || ev.event === 'apology') entry.final ??= ev;
    else if (entry.final)
      return; // nothing follows the final reply
    else {
      if (ev.event === 'status' && ev.data.status === 'retrying') entry.text = undefined;
      entry[ev.event] = ev;
    }
    for (const listener of entry.listeners) listener(ev.event === 'final' || ev.event === 'apology' ? entry.final! : ev);
    this.expireLater(key, entry);
  }

  /** Calls `listener` with the current state at once, then with every new event; returns the unsubscribe. */
  subscribe(key: string, listener: Listener): () => void {
    const entry = this.entry(key);
    for (const ev of [entry.status, entry.sources, entry.text, entry.final]) if (ev) listener(ev);
    entry.listeners.add(listener);
    return () => {
      entry.listeners.delete(listener);
      if (!entry.listeners.size && !entry.status && !entry.final && !entry.text) this.drop(key, entry);
    };
  }

  /** The final event if this process has it. */
  finalOf(key: string): ChatEvent | undefined {
    return this.entries.get(key)?.final;
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { listeners: new Set() };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private expireLater(key: string, entry: Entry): void {
    clearTimeout(entry.expiry);
    entry.expiry = setTimeout(() => {
      if (entry.listeners.size && !entry.final) this.expireLater(key, entry);
      else this.drop(key, entry);
    }, this.keepMs);
    entry.expiry.unref();
  }

  private drop(key: string, entry: Entry): void {
    clearTimeout(entry.expiry);
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }
}
