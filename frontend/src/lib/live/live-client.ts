/**
 * The live client: one WebSocket per tab (`/ws/tasks/`) feeding the TanStack Query cache.
 *
 * - Connection state: "live" once the server said hello; "reconnecting" right after a drop
 *   (and while connecting at first); "polling" when the socket is still down after
 *   `pollGraceMs`. Reconnect attempts go on with backoff (1 s, 2 s, 4 s ... 30 s, jittered).
 * - While polling, the executions on screen that are still active (and the followed ones)
 *   are read over REST every 2 s with ETags; polling stops the moment the socket is back.
 * - Every execution change is deduplicated by `seq` before it reaches the cache.
 * - Followed executions are resubscribed after a reconnect with `since_seq` = the newest log
 *   line kept, so the server replays exactly what was missed.
 */
import type { QueryClient } from '@tanstack/react-query';

import { ApiError, getIfChanged } from '@/lib/api-client';
import {
  applyExecution,
  applyProgress,
  invalidateListsExcluding,
  invalidateListsFor,
  isListed,
  observedActiveIds,
} from '@/lib/executions/cache';
import { getExecutionLogs } from '@/lib/executions/get-execution-logs';
import { executionKeys } from '@/lib/executions/keys';
import type { Execution, Notification, Page } from '@/types/api';

import { Emitter } from './emitter';
import { LogStore } from './log-store';
import { Poller } from './poller';
import {
  asServerMessage,
  CLOSE_FORBIDDEN_ORIGIN,
  CLOSE_UNAUTHENTICATED,
  type ClientMessage,
  type HelloMessage,
  type ServerMessage,
} from './protocol';
import { ReconnectingSocket, type CreateSocket } from './reconnecting-socket';

export type ConnectionState = 'live' | 'reconnecting' | 'polling';

export type LiveEvents = {
  state: ConnectionState;
  hello: HelloMessage;
  notification: Notification;
  /** A new state of an execution (after the seq check). */
  execution: Execution;
  /** The socket is back after a gap: whatever is not replayed should be read again. */
  reconnected: undefined;
  /** The server closed the socket with 4401: the session is gone. */
  unauthenticated: undefined;
};

export type LiveClientOptions = {
  queryClient: QueryClient;
  url?: string;
  createSocket?: CreateSocket;
  random?: () => number;
  pollIntervalMs?: number;
  pollGraceMs?: number;
  /** Bursts of new executions refresh the lists at most once per this window. */
  listRefreshMs?: number;
  /** While polling, lists are re-read every this many ticks to find new executions. */
  listPollEvery?: number;
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  connectTimeoutMs?: number;
  onUnauthenticated?: () => void;
};

type Watch = { count: number; logCount: number };

const MAX_TRACKED_SEQS = 10_000;
const MAX_LOG_PAGES_PER_TICK = 10;

export function defaultSocketUrl(location: Location = window.location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws/tasks/`;
}

export class LiveClient {
  readonly logs = new LogStore();
  private readonly queryClient: QueryClient;
  private readonly socket: ReconnectingSocket;
  private readonly poller: Poller;
  private readonly events = new Emitter<LiveEvents>();
  private readonly options: Required<Omit<LiveClientOptions, 'onUnauthenticated' | 'url'>>;
  private readonly onUnauthenticated: (() => void) | undefined;
  private state: ConnectionState = 'reconnecting';
  private started = false;
  private authenticated = false;
  private everLive = false;
  private missedEvents = false;
  private startTimer: ReturnType<typeof setTimeout> | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private listTimer: ReturnType<typeof setTimeout> | undefined;
  private pollTicks = 0;
  private readonly watches = new Map<number, Watch>();
  private readonly releaseTimers = new Map<number, ReturnType<typeof setTimeout>>();
  private readonly subscribed = new Set<number>();
  private readonly logsRequested = new Set<number>();
  private readonly settledLogs = new Set<number>();
  private readonly seqs = new Map<number, number>();
  private readonly etags = new Map<number, string>();
  private newExecutions: Execution[] = [];
  private changedExecutions: Execution[] = [];

  constructor({ queryClient, url, onUnauthenticated, ...rest }: LiveClientOptions) {
    this.queryClient = queryClient;
    this.onUnauthenticated = onUnauthenticated;
    this.options = {
      queryClient,
      createSocket: (socketUrl) => new WebSocket(socketUrl),
      random: Math.random,
      pollIntervalMs: 2000,
      pollGraceMs: 2000,
      listRefreshMs: 1000,
      listPollEvery: 5,
      heartbeatMs: 25_000,
      heartbeatTimeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      ...rest,
    };
    this.socket = new ReconnectingSocket({
      url: url ?? defaultSocketUrl(),
      createSocket: this.options.createSocket,
      random: this.options.random,
      heartbeatMs: this.options.heartbeatMs,
      heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
      connectTimeoutMs: this.options.connectTimeoutMs,
      fatalCodes: new Set([CLOSE_FORBIDDEN_ORIGIN]),
      onOpen: () => undefined,
      onMessage: (message) => this.handleMessage(message),
      onClose: (code, willRetry) => this.handleClose(code, willRetry),
    });
    this.poller = new Poller(this.options.pollIntervalMs, (signal) => this.pollTick(signal));
  }

  // --- lifecycle -------------------------------------------------------------------------

  start(): void {
    if (this.started) return;
    this.started = true;
    // Deferred: React's StrictMode mounts, unmounts and mounts again in one go, and a socket
    // opened and closed at once makes the browser print a warning.
    this.startTimer = setTimeout(() => this.socket.start(), 0);
    this.armGrace();
    window.addEventListener('online', this.handleOnline);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.authenticated = false;
    for (const timer of [this.startTimer, this.graceTimer, this.listTimer]) clearTimeout(timer);
    this.listTimer = undefined;
    for (const timer of this.releaseTimers.values()) clearTimeout(timer);
    this.releaseTimers.clear();
    this.subscribed.clear();
    this.logsRequested.clear();
    this.socket.stop();
    this.poller.stop();
    window.removeEventListener('online', this.handleOnline);
    this.setState('reconnecting');
  }

  getState = (): ConnectionState => this.state;

  subscribeState = (listener: () => void): (() => void) => this.events.on('state', listener);

  on<K extends keyof LiveEvents>(type: K, listener: (payload: LiveEvents[K]) => void) {
    return this.events.on(type, listener);
  }

  // --- following executions -----------------------------------------------------------------

  /**
   * Follows an execution (its state, and its log lines when `logs`): subscribes on the
   * socket, polls it while the socket is down. Returns the function that stops following.
   */
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
    if (!this.authenticated) return; // everything followed is subscribed on hello
    const wantsLogs = (this.watches.get(id)?.logCount ?? 0) > 0;
    const message: ClientMessage = wantsLogs
      ? { action: 'subscribe', execution_id: id, since_seq: this.logs.lastSeq(id) }
      : { action: 'subscribe', execution_id: id };
    if (!this.send(message)) return;
    this.subscribed.add(id);
    if (wantsLogs) this.logsRequested.add(id);
  }

  private send(message: ClientMessage): boolean {
    return this.socket.send(message);
  }

  // --- socket events ------------------------------------------------------------------------

  private readonly handleOnline = () => this.socket.reconnectNow();

  private handleMessage(raw: unknown): void {
    const message = asServerMessage(raw);
    if (message) this.dispatch(message);
  }

  private dispatch(message: ServerMessage): void {
    switch (message.type) {
      case 'hello':
        this.enterLive(message);
        break;
      case 'task.status':
        this.handleSnapshot({ ...message.execution, seq: message.seq });
        break;
      case 'task.progress':
        if (this.isNewSeq(message.execution_id, message.seq)) applyProgress(this.queryClient, message);
        break;
      case 'task.log':
        this.logs.append(message.execution_id, message.lines);
        break;
      case 'notification':
        this.events.emit('notification', message.notification);
        break;
      default:
        break; // pong (the heartbeat only needs some answer) and protocol errors
    }
  }

  private enterLive(hello: HelloMessage): void {
    clearTimeout(this.graceTimer);
    this.poller.stop();
    this.socket.markHealthy();
    this.authenticated = true;
    this.subscribed.clear();
    this.logsRequested.clear();
    const catchUp = this.everLive || this.missedEvents;
    this.everLive = true;
    this.missedEvents = false;
    this.setState('live');
    for (const id of this.watches.keys()) this.subscribe(id);
    this.events.emit('hello', hello);
    if (catchUp) {
      // Unsubscribed changes are not replayed: re-read the lists on screen, once.
      void this.queryClient.invalidateQueries({ queryKey: executionKeys.lists() });
      this.events.emit('reconnected', undefined);
    } else {
      this.refreshListsWithActiveItems();
    }
  }

  /** Lists read before the first hello may have missed a change of their running items. */
  private refreshListsWithActiveItems(): void {
    void this.queryClient.invalidateQueries({
      queryKey: executionKeys.lists(),
      predicate: (query) =>
        (query.state.data as Page<Execution> | undefined)?.results.some((item) => item.is_active) ??
        false,
    });
  }

  private handleClose(code: number, willRetry: boolean): void {
    this.authenticated = false;
    this.subscribed.clear();
    this.logsRequested.clear();
    if (code === CLOSE_UNAUTHENTICATED) {
      this.onUnauthenticated?.();
      this.events.emit('unauthenticated', undefined);
    }
    if (this.state === 'live') {
      this.missedEvents = true;
      this.setState('reconnecting');
      this.armGrace();
    }
    if (!willRetry) this.enterPolling();
  }

  private armGrace(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => this.enterPolling(), this.options.pollGraceMs);
  }

  private enterPolling(): void {
    if (!this.started || this.state === 'live') return;
    this.missedEvents = true;
    this.setState('polling');
    this.poller.start();
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.events.emit('state', state);
  }

  // --- execution changes ----------------------------------------------------------------

  private isNewSeq(id: number, seq: number): boolean {
    const last = this.seqs.get(id);
    if (last !== undefined && seq <= last) return false;
    this.seqs.delete(id);
    this.seqs.set(id, seq);
    if (this.seqs.size > MAX_TRACKED_SEQS) {
      const oldest = this.seqs.keys().next();
      if (!oldest.done) this.seqs.delete(oldest.value);
    }
    return true;
  }

  private handleSnapshot(execution: Execution): void {
    const known = isListed(this.queryClient, execution.id);
    if (!this.isNewSeq(execution.id, execution.seq)) return;
    applyExecution(this.queryClient, execution);
    if (known) this.changedExecutions.push(execution);
    else this.newExecutions.push(execution);
    this.scheduleListRefresh();
    this.events.emit('execution', execution);
  }

  /** New executions join the lists, and lists drop what left their filters, in batches. */
  private scheduleListRefresh(): void {
    if (this.listTimer !== undefined) return;
    this.listTimer = setTimeout(() => {
      this.listTimer = undefined;
      const added = this.newExecutions;
      const changed = this.changedExecutions;
      this.newExecutions = [];
      this.changedExecutions = [];
      if (added.length) void invalidateListsFor(this.queryClient, added);
      if (changed.length) void invalidateListsExcluding(this.queryClient, changed);
    }, this.options.listRefreshMs);
  }

  // --- polling ----------------------------------------------------------------------------

  private async pollTick(signal: AbortSignal): Promise<void> {
    // A hidden tab shows nothing: it catches up at its first tick once visible again.
    if (document.visibilityState === 'hidden') return;
    const ids = this.idsToPoll();
    await Promise.all([...ids].map((id) => this.pollExecution(id, signal)));
    this.pollTicks += 1;
    if (!signal.aborted && this.pollTicks % this.options.listPollEvery === 0) {
      void this.queryClient.invalidateQueries({ queryKey: executionKeys.lists() });
    }
  }

  private idsToPoll(): Set<number> {
    const ids = observedActiveIds(this.queryClient);
    for (const [id, watch] of this.watches) {
      const detail = this.queryClient.getQueryData<Execution>(executionKeys.detail(id));
      const logsPending = watch.logCount > 0 && !this.settledLogs.has(id);
      if (!detail || detail.is_active || logsPending) ids.add(id);
    }
    return ids;
  }

  private async pollExecution(id: number, signal: AbortSignal): Promise<void> {
    try {
      const answer = await getIfChanged<Execution>(
        `/api/tasks/executions/${id}/`,
        this.etags.get(id),
        { signal },
      );
      if (signal.aborted) return;
      if (!answer.notModified) {
        if (answer.etag) this.etags.set(id, answer.etag);
        this.handleSnapshot(answer.data);
      }
      if ((this.watches.get(id)?.logCount ?? 0) > 0) await this.pollLogs(id, signal);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) this.etags.delete(id);
      // Anything else (offline, 5xx, aborted) is retried at the next tick.
    }
  }

  private async pollLogs(id: number, signal: AbortSignal): Promise<void> {
    const detail = this.queryClient.getQueryData<Execution>(executionKeys.detail(id));
    const finished = detail !== undefined && !detail.is_active;
    for (let page = 0; page < MAX_LOG_PAGES_PER_TICK; page += 1) {
      const answer = await getExecutionLogs(id, this.logs.lastSeq(id), { signal });
      if (signal.aborted) return;
      this.logs.append(id, answer.lines);
      if (!answer.has_more || answer.lines.length === 0) {
        if (finished) this.settledLogs.add(id);
        return;
      }
    }
  }
}
