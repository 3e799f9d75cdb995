import type { LogStore } from './log-store';
import type { ClientMessage } from './protocol';

type Watch = { count: number; logCount: number };

export type FollowedExecution = { id: number; logsPending: boolean };

/**
 * Who follows which execution, counted: the socket is subscribed to an execution while
 * anyone follows it (with `since_seq` = the newest log line kept when its lines are wanted,
 * so the server replays exactly what was missed), and unsubscribed once nobody does.
 */
export class Subscriptions {
  private readonly send: (message: ClientMessage) => boolean;
  private readonly logs: LogStore;
  private connected = false;
  private readonly watches = new Map<number, Watch>();
  private readonly releaseTimers = new Map<number, ReturnType<typeof setTimeout>>();
  private readonly subscribed = new Set<number>();
  private readonly logsRequested = new Set<number>();
  /** Finished executions whose lines were all read over REST: nothing left to poll. */
  private readonly settledLogs = new Set<number>();

  constructor(send: (message: ClientMessage) => boolean, logs: LogStore) {
    this.send = send;
    this.logs = logs;
  }

  /** Follows an execution (and its log lines with `logs`); returns the function that stops. */
  watch(id: number, { logs = false }: { logs?: boolean } = {}): () => void {
    clearTimeout(this.releaseTimers.get(id));
    this.releaseTimers.delete(id);
    const watch = this.watches.get(id) ?? { count: 0, logCount: 0 };
    this.watches.set(id, watch);
    watch.count += 1;
    if (logs) {
      watch.logCount += 1;
      this.logs.ensure(id);
    }
    if (!this.subscribed.has(id) || (logs && !this.logsRequested.has(id))) this.subscribe(id);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(id, logs);
    };
  }

  /** The server said hello: everything followed is subscribed (again). */
  resume(): void {
    this.connected = true;
    this.subscribed.clear();
    this.logsRequested.clear();
    for (const id of this.watches.keys()) this.subscribe(id);
  }

  /** The socket is gone, and with it every subscription on the server. */
  pause(): void {
    this.connected = false;
    this.subscribed.clear();
    this.logsRequested.clear();
  }

  /** The client stops: pending releases are dropped along with the connection. */
  stop(): void {
    this.pause();
    for (const timer of this.releaseTimers.values()) clearTimeout(timer);
    this.releaseTimers.clear();
  }

  /** The executions followed now, each with whether its log lines may still grow. */
  followed(): FollowedExecution[] {
    return [...this.watches].map(([id, watch]) => ({
      id,
      logsPending: watch.logCount > 0 && !this.settledLogs.has(id),
    }));
  }

  wantsLogs(id: number): boolean {
    return (this.watches.get(id)?.logCount ?? 0) > 0;
  }

  /** The execution finished and all its lines were read: they need no more polling. */
  settleLogs(id: number): void {
    this.settledLogs.add(id);
  }

  private release(id: number, logs: boolean): void {
    const watch = this.watches.get(id);
    if (!watch) return;
    watch.count -= 1;
    if (logs) watch.logCount -= 1;
    if (watch.count > 0 && (watch.logCount > 0 || !logs)) return;
    // Later, not now: a component that re-mounts at once (StrictMode, a route change to the
    // same execution) keeps the subscription and the lines received so far.
    clearTimeout(this.releaseTimers.get(id));
    this.releaseTimers.set(
      id,
      setTimeout(() => this.finishRelease(id), 0),
    );
  }

  private finishRelease(id: number): void {
    this.releaseTimers.delete(id);
    const watch = this.watches.get(id);
    if (!watch) return;
    if (watch.logCount <= 0) {
      this.logs.delete(id);
      this.logsRequested.delete(id);
      this.settledLogs.delete(id);
    }
    if (watch.count > 0) return;
    this.watches.delete(id);
    if (this.subscribed.delete(id)) this.send({ action: 'unsubscribe', execution_id: id });
  }

  private subscribe(id: number): void {
    if (!this.connected) return; // everything followed is subscribed on hello
    const wantsLogs = this.wantsLogs(id);
    const message: ClientMessage = wantsLogs
      ? { action: 'subscribe', execution_id: id, since_seq: this.logs.lastSeq(id) }
      : { action: 'subscribe', execution_id: id };
    if (!this.send(message)) return;
    this.subscribed.add(id);
    if (wantsLogs) this.logsRequested.add(id);
  }
}
