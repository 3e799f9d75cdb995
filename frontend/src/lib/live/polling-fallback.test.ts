import { QueryObserver, type QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { executionKeys } from '@/lib/executions/keys';
import { buildExecution, buildPage, logLines } from '@/testing/factories';
import { fetchCalls, mockFetch, requestHeaders, type MockRoutes } from '@/testing/mock-fetch';
import { createTestQueryClient } from '@/testing/render';
import type { Execution } from '@/types/api';

import { LogStore } from './log-store';
import { PollingFallback } from './polling-fallback';
import { Subscriptions } from './subscriptions';

let queryClient: QueryClient;
let logs: LogStore;
let subscriptions: Subscriptions;
let polling: PollingFallback;
let snapshots: Execution[];

function setUp(routes: MockRoutes, { listPollEvery = 5 } = {}) {
  const fetchMock = mockFetch(routes);
  queryClient = createTestQueryClient();
  logs = new LogStore();
  subscriptions = new Subscriptions(() => false, logs);
  snapshots = [];
  polling = new PollingFallback({
    queryClient,
    subscriptions,
    logs,
    intervalMs: 2000,
    listPollEvery,
    onSnapshot: (execution) => snapshots.push(execution),
  });
  return fetchMock;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  polling.stop();
  vi.useRealTimers();
});

describe('PollingFallback', () => {
  it('reads the followed executions every interval with their ETag, passing on what changed', async () => {
    const changed = buildExecution({ id: 42, seq: 11 });
    const fetchMock = setUp({
      'GET /api/tasks/executions/42/': (init) =>
        requestHeaders(init).get('If-None-Match') === 'W/"42-11"'
          ? { status: 304 }
          : { body: changed, headers: { ETag: 'W/"42-11"' } },
    });
    subscriptions.watch(42);
    polling.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(snapshots).toEqual([changed]);

    await vi.advanceTimersByTimeAsync(2000);
    expect(fetchCalls(fetchMock)).toHaveLength(2);
    expect(snapshots).toHaveLength(1);

    polling.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetchCalls(fetchMock)).toHaveLength(2);
  });

  it('polls the active executions on screen, and a finished detail no more', async () => {
    const fetchMock = setUp({
      'GET /api/tasks/executions/7/': { body: buildExecution({ id: 7, seq: 3 }) },
    });
    const observer = new QueryObserver(queryClient, {
      queryKey: executionKeys.list({ page: 1 }),
      queryFn: () => Promise.resolve(buildPage([buildExecution({ id: 7 }), buildExecution({ id: 8, is_active: false })])),
    });
    const unsubscribe = observer.subscribe(() => undefined);
    await vi.advanceTimersByTimeAsync(0);
    queryClient.setQueryData(executionKeys.detail(9), buildExecution({ id: 9, is_active: false }));
    subscriptions.watch(9);

    polling.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchCalls(fetchMock)).toEqual(['GET /api/tasks/executions/7/']);
    unsubscribe();
  });

  it('reads the missed log lines page by page, until a finished execution has them all', async () => {
    const fetchMock = setUp({
      'GET /api/tasks/executions/42/': { body: buildExecution({ id: 42, is_active: false }) },
      'GET /api/tasks/executions/42/logs/?after_seq=0': { body: { lines: logLines(1, 3), last_seq: 3, has_more: true } },
      'GET /api/tasks/executions/42/logs/?after_seq=3': { body: { lines: logLines(4, 5), last_seq: 5, has_more: false } },
    });
    queryClient.setQueryData(executionKeys.detail(42), buildExecution({ id: 42, is_active: false }));
    subscriptions.watch(42, { logs: true });

    polling.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(logs.lastSeq(42)).toBe(5);
    expect(subscriptions.followed()).toEqual([{ id: 42, logsPending: false }]);

    await vi.advanceTimersByTimeAsync(2000);
    expect(fetchCalls(fetchMock)).toHaveLength(3); // nothing left to read
  });

  it('re-reads the lists every few ticks to find new executions', async () => {
    setUp({}, { listPollEvery: 2 });
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
    polling.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(invalidate).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2000);
    expect(invalidate).toHaveBeenCalledWith({ queryKey: executionKeys.lists() });
  });

  it('skips its ticks while the tab is hidden', async () => {
    const fetchMock = setUp({ 'GET /api/tasks/executions/42/': { body: buildExecution({ id: 42 }) } });
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    subscriptions.watch(42);
    polling.start();
    await vi.advanceTimersByTimeAsync(4000);
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
