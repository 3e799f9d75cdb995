import { QueryObserver, type QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { executionKeys } from '@/lib/executions/keys';
import { buildExecution, buildPage, logLines } from '@/testing/factories';
import { FakeWebSocket } from '@/testing/fake-websocket';
import { fetchCalls, mockFetch, requestHeaders } from '@/testing/mock-fetch';
import { createTestQueryClient } from '@/testing/render';
import type { Execution, Page } from '@/types/api';

import { LiveClient, type LiveClientOptions } from './live-client';

let client: LiveClient;
let queryClient: QueryClient;

function start(options: Partial<LiveClientOptions> = {}) {
  queryClient = createTestQueryClient();
  client = new LiveClient({
    queryClient,
    url: 'ws://testserver/ws/tasks/',
    createSocket: FakeWebSocket.create,
    random: () => 0.5,
    ...options,
  });
  client.start();
  return client;
}

/** Lets the deferred first connection (and any settled promise) happen. */
async function advance(ms: number) {
  await vi.advanceTimersByTimeAsync(ms);
}

function detail(id: number) {
  return queryClient.getQueryData<Execution>(executionKeys.detail(id));
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  client.stop();
  vi.useRealTimers();
});

describe('LiveClient connection', () => {
  it('opens one socket, goes live on hello and subscribes what is followed', async () => {
    start();
    client.watch(42, { logs: true });
    client.watch(43);
    expect(client.getState()).toBe('reconnecting');
    await advance(0);

    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.latest().url).toBe('ws://testserver/ws/tasks/');
    FakeWebSocket.latest().open();

    expect(client.getState()).toBe('live');
    expect(FakeWebSocket.latest().sentActions()).toEqual([
      { action: 'subscribe', execution_id: 42, since_seq: 0 },
      { action: 'subscribe', execution_id: 43 },
    ]);
  });

  it('opens a single socket when started, stopped and started at once (StrictMode)', async () => {
    start();
    client.stop();
    client.start();
    await advance(0);

    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('reconnects after 1 s, 2 s, 4 s ... capped at 30 s, and from 1 s again once healthy', async () => {
    start();
    await advance(0);
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().serverClose(1006);
    expect(client.getState()).toBe('reconnecting');

    const waits: number[] = [];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const before = FakeWebSocket.instances.length;
      let waited = 0;
      while (FakeWebSocket.instances.length === before) {
        await advance(100);
        waited += 100;
      }
      waits.push(waited);
      FakeWebSocket.latest().fail();
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);

    await advance(30_000);
    FakeWebSocket.latest().open();
    expect(client.getState()).toBe('live');
    FakeWebSocket.latest().serverClose(1006);
    const count = FakeWebSocket.instances.length;
    await advance(999);
    expect(FakeWebSocket.instances).toHaveLength(count);
    await advance(1);
    expect(FakeWebSocket.instances).toHaveLength(count + 1);
  });

  it('spreads the waits with jitter', async () => {
    start({ random: () => 0 });
    await advance(0);
    FakeWebSocket.latest().fail();
    await advance(799);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await advance(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('pings a silent connection and replaces it when the ping goes unanswered', async () => {
    start({ heartbeatMs: 25_000, heartbeatTimeoutMs: 10_000 });
    await advance(0);
    const first = FakeWebSocket.latest();
    first.open();

    await advance(25_000);
    expect(first.sent).toContainEqual({ action: 'ping' });
    await advance(9_999);
    expect(first.closedWith).toBeUndefined();
    await advance(1);
    expect(first.closedWith).toBeDefined();
    expect(client.getState()).toBe('reconnecting');
    await advance(1000);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('reports a change of access (4401, 4409) and gives up on a forbidden origin (4403)', async () => {
    const onAccessChanged = vi.fn();
    mockFetch({});
    start({ onAccessChanged });
    await advance(0);
    FakeWebSocket.latest().serverClose(4401);
    expect(onAccessChanged).toHaveBeenCalledTimes(1);

    await advance(1000);
    FakeWebSocket.latest().serverClose(4403);
    await advance(120_000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(client.getState()).toBe('polling');
  });

  it('reconnects at once when the browser comes back online', async () => {
    start();
    await advance(0);
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().serverClose(1006);
    window.dispatchEvent(new Event('online'));
    expect(FakeWebSocket.instances).toHaveLength(2);
  });
});

describe('LiveClient cache updates', () => {
  it('applies changes by seq: duplicates and late arrivals never move progress back', async () => {
    start();
    const execution = buildExecution({ id: 42, seq: 10, progress: 25 });
    queryClient.setQueryData(executionKeys.detail(42), execution);
    queryClient.setQueryData(executionKeys.list({ page: 1 }), buildPage([execution]));
    await advance(0);
    const socket = FakeWebSocket.latest();
    socket.open();

    const progress = (seq: number, value: number) => ({
      type: 'task.progress',
      execution_id: 42,
      seq,
      status: 'PROGRESS',
      progress: value,
      current_step: Math.ceil(value / 12.5),
      total_steps: 8,
      message: `at ${value}`,
      processed_items: 0,
      failed_items: 0,
      eta_seconds: 5,
    });
    socket.receive(progress(12, 50));
    socket.receive(progress(12, 50));
    socket.receive(progress(11, 37.5));

    expect(detail(42)).toMatchObject({ seq: 12, progress: 50, current_step: 4, message: 'at 50' });
    const list = queryClient.getQueryData<Page<Execution>>(executionKeys.list({ page: 1 }));
    expect(list?.results[0]).toMatchObject({ seq: 12, progress: 50 });

    const finished = { ...execution, seq: 13, status: 'SUCCESS', progress: 100, is_active: false };
    socket.receive({ type: 'task.status', execution_id: 42, seq: 13, execution: finished });
    socket.receive(progress(12, 50));
    expect(detail(42)).toMatchObject({ seq: 13, status: 'SUCCESS', progress: 100, is_active: false });
  });

  it('refreshes the lists once for a burst of new executions, not once per event', async () => {
    start({ listRefreshMs: 1000 });
    const queryFn = vi.fn(() => Promise.resolve(buildPage<Execution>([])));
    const observer = new QueryObserver(queryClient, {
      queryKey: executionKeys.list({ page: 1 }),
      queryFn,
    });
    const unsubscribe = observer.subscribe(() => undefined);
    await advance(0);
    expect(queryFn).toHaveBeenCalledTimes(1);
    FakeWebSocket.latest().open();

    for (let id = 1; id <= 20; id += 1) {
      const execution = buildExecution({ id, seq: 1, status: 'PENDING' });
      FakeWebSocket.latest().receive({ type: 'task.status', execution_id: id, seq: 1, execution });
    }
    await advance(1000);
    expect(queryFn).toHaveBeenCalledTimes(2);
    unsubscribe();
  });

  it('adds a new execution to the lists even when its detail was fetched first', async () => {
    start({ listRefreshMs: 1000 });
    const queryFn = vi.fn(() => Promise.resolve(buildPage<Execution>([])));
    const observer = new QueryObserver(queryClient, {
      queryKey: executionKeys.list({ page: 1 }),
      queryFn,
    });
    const unsubscribe = observer.subscribe(() => undefined);
    await advance(0);
    FakeWebSocket.latest().open();
    // The deploy panel read the new execution's detail before the socket announced it.
    const execution = buildExecution({ id: 7, seq: 1, status: 'PENDING' });
    queryClient.setQueryData(executionKeys.detail(7), execution);

    FakeWebSocket.latest().receive({ type: 'task.status', execution_id: 7, seq: 2, execution });
    await advance(1000);

    expect(queryFn).toHaveBeenCalledTimes(2);
    unsubscribe();
  });

  it('passes notifications to listeners', async () => {
    start();
    const listener = vi.fn();
    client.on('notification', listener);
    await advance(0);
    const notification = { id: 9, level: 'success', title: 'Done', message: '', read: false };
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().receive({ type: 'notification', notification });
    expect(listener).toHaveBeenCalledWith(notification);
  });
});

describe('LiveClient fallback to polling', () => {
  it('polls the active executions every 2 s with ETags while down, and stops once back', async () => {
    const polled = buildExecution({ id: 42, seq: 11, progress: 37.5 });
    const fetchMock = mockFetch({
      'GET /api/tasks/executions/42/': (init) =>
        requestHeaders(init).get('If-None-Match') === 'W/"42-11"'
          ? { status: 304 }
          : { body: polled, headers: { ETag: 'W/"42-11"' } },
    });
    start();
    queryClient.setQueryData(executionKeys.detail(42), buildExecution({ id: 42, seq: 10 }));
    client.watch(42);
    await advance(0);
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().serverClose(1006);
    expect(client.getState()).toBe('reconnecting');

    await advance(1000); // first reconnect attempt fails
    FakeWebSocket.latest().fail();
    expect(fetchMock).not.toHaveBeenCalled();

    await advance(1000); // the grace period is over
    expect(client.getState()).toBe('polling');
    expect(detail(42)).toMatchObject({ seq: 11, progress: 37.5 });
    await advance(2000);
    expect(fetchCalls(fetchMock)).toEqual([
      'GET /api/tasks/executions/42/',
      'GET /api/tasks/executions/42/',
    ]);
    expect(requestHeaders(fetchMock.mock.calls[1]?.[1]).get('If-None-Match')).toBe('W/"42-11"');

    // The second reconnect attempt (2 s after the first) succeeds.
    FakeWebSocket.latest().open();
    expect(client.getState()).toBe('live');
    const callsWhenBack = fetchMock.mock.calls.length;
    await advance(20_000);
    expect(fetchMock.mock.calls.length).toBe(callsWhenBack);
  });

  it('polls from the start when the first connection does not come up', async () => {
    mockFetch({});
    start();
    await advance(0);
    FakeWebSocket.latest().fail();
    await advance(2000);
    expect(client.getState()).toBe('polling');
  });
});

describe('LiveClient log replay', () => {
  it('resubscribes with since_seq after a reconnect: no line missed, none doubled', async () => {
    start();
    client.watch(42, { logs: true });
    await advance(0);
    const first = FakeWebSocket.latest();
    first.open();
    first.receive({ type: 'task.log', execution_id: 42, seq: 5, lines: logLines(1, 5) });
    first.serverClose(1006);

    await advance(1000);
    const second = FakeWebSocket.latest();
    second.open();
    expect(second.sentActions()).toEqual([{ action: 'subscribe', execution_id: 42, since_seq: 5 }]);
    // The server replays after since_seq; an overlapping live batch changes nothing.
    second.receive({ type: 'task.log', execution_id: 42, seq: 8, lines: logLines(6, 8) });
    second.receive({ type: 'task.log', execution_id: 42, seq: 8, lines: logLines(4, 8) });

    expect(client.logs.get(42).lines.map((line) => line.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('reads missed lines over REST while polling and resumes the socket after them', async () => {
    const fetchMock = mockFetch({
      'GET /api/tasks/executions/42/': { body: buildExecution({ id: 42, seq: 9 }) },
      'GET /api/tasks/executions/42/logs/?after_seq=5': {
        body: { lines: logLines(6, 7), last_seq: 7, has_more: false },
      },
      'GET /api/tasks/executions/42/logs/?after_seq=7': {
        body: { lines: [], last_seq: 7, has_more: false },
      },
    });
    start();
    client.watch(42, { logs: true });
    await advance(0);
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().receive({
      type: 'task.log',
      execution_id: 42,
      seq: 5,
      lines: logLines(1, 5),
    });
    FakeWebSocket.latest().serverClose(1006);
    await advance(1000);
    FakeWebSocket.latest().fail();
    await advance(1000);

    expect(fetchCalls(fetchMock)).toContain('GET /api/tasks/executions/42/logs/?after_seq=5');
    expect(client.logs.lastSeq(42)).toBe(7);

    await advance(2000);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().sentActions()).toEqual([
      { action: 'subscribe', execution_id: 42, since_seq: 7 },
    ]);
  });

  it('unsubscribes and forgets the lines when nobody follows the execution any more', async () => {
    start();
    await advance(0);
    FakeWebSocket.latest().open();
    const release = client.watch(42, { logs: true });
    FakeWebSocket.latest().receive({ type: 'task.log', execution_id: 42, seq: 2, lines: logLines(1, 2) });

    release();
    client.watch(42, { logs: true })(); // a remount in between keeps everything
    expect(client.logs.has(42)).toBe(true);
    await advance(0);

    expect(client.logs.has(42)).toBe(false);
    expect(FakeWebSocket.latest().sentActions()).toEqual([
      { action: 'subscribe', execution_id: 42, since_seq: 0 },
      { action: 'unsubscribe', execution_id: 42 },
    ]);
  });
});
