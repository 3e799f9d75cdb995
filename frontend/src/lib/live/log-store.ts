import type { LogLine } from '@/types/api';

/** Oldest lines are dropped past this many, so a chatty task cannot exhaust the tab. */
export const MAX_LOG_LINES = 5000;

export type LogSnapshot = {
  readonly lines: readonly LogLine[];
  /** The seq of the newest line received: what a resubscribe or a REST read continues from. */
  readonly lastSeq: number;
  /** Lines trimmed from the top because of MAX_LOG_LINES. */
  readonly dropped: number;
};

export const EMPTY_LOG: LogSnapshot = { lines: [], lastSeq: 0, dropped: 0 };

/**
 * The log lines of each followed execution, from the WebSocket and from REST alike. Every
 * source delivers the lines after some seq in order, so accepting only lines newer than the
 * newest one kept gives neither a gap nor a double, whatever the sources' interleaving.
 */
export class LogStore {
  private readonly snapshots = new Map<number, LogSnapshot>();
  private readonly listeners = new Map<number, Set<() => void>>();

  has(id: number): boolean {
    return this.snapshots.has(id);
  }

  ensure(id: number): void {
    if (!this.snapshots.has(id)) this.snapshots.set(id, EMPTY_LOG);
  }

  delete(id: number): void {
    this.snapshots.delete(id);
  }

  get(id: number): LogSnapshot {
    return this.snapshots.get(id) ?? EMPTY_LOG;
  }

  lastSeq(id: number): number {
    return this.get(id).lastSeq;
  }

  /** Adds the lines newer than the newest kept; returns how many were new. */
  append(id: number, lines: readonly LogLine[]): number {
    const current = this.snapshots.get(id);
    if (!current) return 0;
    let lastSeq = current.lastSeq;
    const fresh: LogLine[] = [];
    for (const line of [...lines].sort((a, b) => a.seq - b.seq)) {
      if (line.seq > lastSeq) {
        fresh.push(line);
        lastSeq = line.seq;
      }
    }
    if (fresh.length === 0) return 0;
    const all = current.lines.concat(fresh);
    const overflow = Math.max(0, all.length - MAX_LOG_LINES);
    this.set(id, {
      lines: overflow ? all.slice(overflow) : all,
      lastSeq,
      dropped: current.dropped + overflow,
    });
    return fresh.length;
  }

  /** Empties the display; new lines keep coming and old ones are not fetched again. */
  clear(id: number): void {
    const current = this.snapshots.get(id);
    if (current) this.set(id, { lines: [], lastSeq: current.lastSeq, dropped: 0 });
  }

  subscribe(id: number, listener: () => void): () => void {
    let set = this.listeners.get(id);
    if (!set) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  private set(id: number, snapshot: LogSnapshot): void {
    this.snapshots.set(id, snapshot);
    for (const listener of [...(this.listeners.get(id) ?? [])]) listener();
  }
}
