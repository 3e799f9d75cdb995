// lib/live/: the tab's one live connection (WebSocket /ws/tasks/, REST polling while it is down)
// and the React hooks that read it.

/**
 * The live client: one WebSocket per tab (`/ws/tasks/`) feeding the TanStack Query cache.
 *
 * It wires four parts together: the connection and its states (./connection), the executions
 * followed and their subscriptions (./subscriptions), the REST polling while the socket is
 * down (./polling-fallback), and the batched refresh of the lists
 * (@/lib/executions/list-refresh). Every execution change is deduplicated by `seq` before it
 * reaches the cache.
 */
import type { QueryClient } from '@tanstack/react-query';

import { applyExecution, applyProgress } from '@/lib/executions/cache';
import {
  ListRefreshBatcher,
  refreshAllLists,
  refreshListsWithActiveItems,
} from '@/lib/executions/list-refresh';
import type { Execution, Notification } from '@/types/api';

import { defaultSocketUrl, LiveConnection, type ConnectionState } from './connection';
import { Emitter } from './emitter';
import { LogStore } from './log-store';
import { PollingFallback } from './polling-fallback';
import type { HelloMessage, ServerMessage } from './protocol';
import type { CreateSocket } from './reconnecting-socket';
import { SeqFilter } from './seq-filter';
import { Subscriptions } from './subscriptions';

export type LiveEvents = {
  state: ConnectionState;
  hello: HelloMessage;
  notification: Notification;
  /** A new state of an execution (after the seq check). */
  execution: Execution;
  /** The socket is back after a gap: whatever is not replayed should be read again. */
  reconnected: undefined;
  /** The server closed the socket with 4401 or 4409: the user's access changed. */
  'access-changed': undefined;
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
  onAccessChanged?: () => void;
};

const DEFAULTS = {
  createSocket: (socketUrl: string) => new WebSocket(socketUrl),
  random: Math.random,
  pollIntervalMs: 2000,
  pollGraceMs: 2000,
  listRefreshMs: 1000,
  listPollEvery: 5,
  heartbeatMs: 25_000,
  heartbeatTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
};

export class LiveClient {
  readonly logs = new LogStore();
  private readonly queryClient: QueryClient;
  private readonly events = new Emitter<LiveEvents>();
  private readonly seqs = new SeqFilter();
  private readonly connection: LiveConnection;
  private readonly subscriptions: Subscriptions;
  private readonly polling: PollingFallback;
  private readonly listRefresh: ListRefreshBatcher;

  constructor({ queryClient, url, onAccessChanged, ...rest }: LiveClientOptions) {
    const options = { ...DEFAULTS, ...rest };
    this.queryClient = queryClient;
    this.connection = new LiveConnection({
      ...options,
      url: url ?? defaultSocketUrl(),
      onState: (state) => this.handleState(state),
      onLive: (hello, catchUp) => this.handleLive(hello, catchUp),
      onMessage: (message) => this.dispatch(message),
      onDown: () => this.subscriptions.pause(),
      onAccessChanged: () => {
        onAccessChanged?.();
        this.events.emit('access-changed', undefined);
      },
    });
    this.subscriptions = new Subscriptions((message) => this.connection.send(message), this.logs);
    this.polling = new PollingFallback({
      queryClient,
      subscriptions: this.subscriptions,
      logs: this.logs,
      intervalMs: options.pollIntervalMs,
      listPollEvery: options.listPollEvery,
      onSnapshot: (execution) => this.handleSnapshot(execution),
    });
    this.listRefresh = new ListRefreshBatcher(queryClient, options.listRefreshMs);
  }

  start(): void {
    this.connection.start();
  }

  stop(): void {
    if (!this.connection.isStarted) return;
    this.listRefresh.stop();
    this.subscriptions.stop();
    this.polling.stop();
    this.connection.stop();
  }

  getState = (): ConnectionState => this.connection.getState();

  subscribeState = (listener: () => void): (() => void) => this.events.on('state', listener);

  on<K extends keyof LiveEvents>(type: K, listener: (payload: LiveEvents[K]) => void) {
    return this.events.on(type, listener);
  }

  /**
   * Follows an execution (its state, and its log lines when `logs`): subscribes on the
   * socket, polls it while the socket is down. Returns the function that stops following.
   */
  watch(id: number, options: { logs?: boolean } = {}): () => void {
    return this.subscriptions.watch(id, options);
  }

  /** Polling runs exactly while the state is "polling". */
  private handleState(state: ConnectionState): void {
    if (state !== 'polling') this.polling.stop();
    this.events.emit('state', state);
    if (state === 'polling') this.polling.start();
  }

  private handleLive(hello: HelloMessage, catchUp: boolean): void {
    this.subscriptions.resume();
    this.events.emit('hello', hello);
    if (catchUp) {
      // Unsubscribed changes are not replayed: re-read the lists on screen, once.
      void refreshAllLists(this.queryClient);
      this.events.emit('reconnected', undefined);
    } else {
      // Lists read before the first hello may have missed a change of their running items.
      void refreshListsWithActiveItems(this.queryClient);
    }
  }

  private dispatch(message: ServerMessage): void {
    switch (message.type) {
      case 'task.status':
        this.handleSnapshot({ ...message.execution, seq: message.seq });
        break;
      case 'task.progress':
        if (this.seqs.accept(message.execution_id, message.seq)) applyProgress(this.queryClient, message);
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

  private handleSnapshot(execution: Execution): void {
    if (!this.seqs.accept(execution.id, execution.seq)) return;
    applyExecution(this.queryClient, execution);
    this.listRefresh.add(execution);
    this.events.emit('execution', execution);
  }
}
