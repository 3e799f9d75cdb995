import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { logLines } from '@/testing/factories';

import { LogStore } from './log-store';
import type { ClientMessage } from './protocol';
import { Subscriptions } from './subscriptions';

let sent: ClientMessage[];
let socketOpen: boolean;
let logs: LogStore;
let subscriptions: Subscriptions;

beforeEach(() => {
  vi.useFakeTimers();
  sent = [];
  socketOpen = true;
  logs = new LogStore();
  subscriptions = new Subscriptions((message) => {
    if (socketOpen) sent.push(message);
    return socketOpen;
  }, logs);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('Subscriptions', () => {
  it('subscribes what is followed once the server said hello, lines from the newest kept', () => {
    subscriptions.watch(42, { logs: true });
    subscriptions.watch(43);
    expect(sent).toEqual([]);

    subscriptions.resume();
    expect(sent).toEqual([
      { action: 'subscribe', execution_id: 42, since_seq: 0 },
      { action: 'subscribe', execution_id: 43 },
    ]);

    logs.append(42, logLines(1, 5));
    subscriptions.pause();
    subscriptions.resume();
    expect(sent.at(-2)).toEqual({ action: 'subscribe', execution_id: 42, since_seq: 5 });
  });

  it('counts the watchers: unsubscribes a tick after the last one leaves, not before', async () => {
    subscriptions.resume();
    const first = subscriptions.watch(42);
    const second = subscriptions.watch(42);
    first();
    first(); // a second call changes nothing
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([{ action: 'subscribe', execution_id: 42 }]);

    second();
    subscriptions.watch(42)(); // a remount in between keeps the subscription
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([
      { action: 'subscribe', execution_id: 42 },
      { action: 'unsubscribe', execution_id: 42 },
    ]);
    expect(subscriptions.followed()).toEqual([]);
  });

  it('subscribes again when a watcher starts wanting the log lines, and forgets them after', async () => {
    subscriptions.resume();
    subscriptions.watch(42);
    const withLogs = subscriptions.watch(42, { logs: true });
    expect(sent).toEqual([
      { action: 'subscribe', execution_id: 42 },
      { action: 'subscribe', execution_id: 42, since_seq: 0 },
    ]);
    expect(logs.has(42)).toBe(true);

    withLogs();
    await vi.advanceTimersByTimeAsync(0);
    expect(logs.has(42)).toBe(false);
    expect(subscriptions.wantsLogs(42)).toBe(false);
    expect(sent).toHaveLength(2); // still followed without its lines
  });

  it('retries a subscribe that could not be sent at the next watch', () => {
    subscriptions.resume();
    socketOpen = false;
    subscriptions.watch(42);
    socketOpen = true;
    subscriptions.watch(42);
    expect(sent).toEqual([{ action: 'subscribe', execution_id: 42 }]);
  });

  it('tells polling which log lines may still grow', () => {
    subscriptions.watch(42, { logs: true });
    subscriptions.watch(43);
    expect(subscriptions.followed()).toEqual([
      { id: 42, logsPending: true },
      { id: 43, logsPending: false },
    ]);
    subscriptions.settleLogs(42);
    expect(subscriptions.followed()[0]).toEqual({ id: 42, logsPending: false });
  });

  it('drops pending releases when stopped', async () => {
    subscriptions.resume();
    subscriptions.watch(42)();
    subscriptions.stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([{ action: 'subscribe', execution_id: 42 }]);
  });
});
