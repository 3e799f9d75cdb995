/**
 * What replaces the socket while it is down: the executions on screen that are still active
 * (and the followed ones) are read over REST every 2 s with ETags, the followed ones' log
 * lines page by page, and the lists every few ticks so that new executions show up.
 */
import type { QueryClient } from '@tanstack/react-query';

import { ApiError } from '@/lib/api-client';
import { observedActiveIds } from '@/lib/executions/cache';
import { getExecutionIfChanged } from '@/lib/executions/get-execution';
import { getExecutionLogs } from '@/lib/executions/get-execution-logs';
import { executionKeys } from '@/lib/executions/keys';
import { refreshAllLists } from '@/lib/executions/list-refresh';
import type { Execution } from '@/types/api';

import type { LogStore } from './log-store';
import { Poller } from './poller';
import type { Subscriptions } from './subscriptions';

const MAX_LOG_PAGES_PER_TICK = 10;

export type PollingFallbackOptions = {
  queryClient: QueryClient;
  subscriptions: Pick<Subscriptions, 'followed' | 'wantsLogs' | 'settleLogs'>;
  logs: LogStore;
  intervalMs: number;
  /** The lists are re-read every this many ticks to find new executions. */
  listPollEvery: number;
  /** Called with each execution read that changed since its last read. */
  onSnapshot: (execution: Execution) => void;
};

export class PollingFallback {
  private readonly options: PollingFallbackOptions;
  private readonly poller: Poller;
  private readonly etags = new Map<number, string>();
  private ticks = 0;

  constructor(options: PollingFallbackOptions) {
    this.options = options;
    this.poller = new Poller(options.intervalMs, (signal) => this.tick(signal));
  }

  /** Polls now and every interval; a no-op when already polling. */
  start(): void {
    this.poller.start();
  }

  /** Stops, and aborts the tick in flight so nothing lands after the socket is back. */
  stop(): void {
    this.poller.stop();
  }

  private async tick(signal: AbortSignal): Promise<void> {
    // A hidden tab shows nothing: it catches up at its first tick once visible again.
    if (document.visibilityState === 'hidden') return;
    const ids = this.idsToPoll();
    await Promise.all([...ids].map((id) => this.pollExecution(id, signal)));
    this.ticks += 1;
    if (!signal.aborted && this.ticks % this.options.listPollEvery === 0) {
      void refreshAllLists(this.options.queryClient);
    }
  }

  private idsToPoll(): Set<number> {
    const { queryClient, subscriptions } = this.options;
    const ids = observedActiveIds(queryClient);
    for (const { id, logsPending } of subscriptions.followed()) {
      const detail = queryClient.getQueryData<Execution>(executionKeys.detail(id));
      if (!detail || detail.is_active || logsPending) ids.add(id);
    }
    return ids;
  }

  private async pollExecution(id: number, signal: AbortSignal): Promise<void> {
    try {
      const answer = await getExecutionIfChanged(id, this.etags.get(id), { signal });
      if (signal.aborted) return;
      if (!answer.notModified) {
        if (answer.etag) this.etags.set(id, answer.etag);
        this.options.onSnapshot(answer.data);
      }
      if (this.options.subscriptions.wantsLogs(id)) await this.pollLogs(id, signal);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) this.etags.delete(id);
      // Anything else (offline, 5xx, aborted) is retried at the next tick.
    }
  }

  private async pollLogs(id: number, signal: AbortSignal): Promise<void> {
    const { queryClient, subscriptions, logs } = this.options;
    const detail = queryClient.getQueryData<Execution>(executionKeys.detail(id));
    const finished = detail !== undefined && !detail.is_active;
    for (let page = 0; page < MAX_LOG_PAGES_PER_TICK; page += 1) {
      const answer = await getExecutionLogs(id, logs.lastSeq(id), { signal });
      if (signal.aborted) return;
      logs.append(id, answer.lines);
      if (!answer.has_more || answer.lines.length === 0) {
        if (finished) subscriptions.settleLogs(id);
        return;
      }
    }
  }
}
