import { describe, expect, it, vi } from 'vitest';

import { logLines } from '@/testing/factories';

import { LogStore, MAX_LOG_LINES } from './log-store';

describe('LogStore', () => {
  it('keeps each line once, whatever order and overlap the sources deliver', () => {
    const store = new LogStore();
    store.ensure(1);
    expect(store.append(1, logLines(1, 3))).toBe(3);
    expect(store.append(1, logLines(2, 5))).toBe(2);
    expect(store.append(1, [...logLines(4, 7)].reverse())).toBe(2);

    expect(store.get(1).lines.map((line) => line.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(store.lastSeq(1)).toBe(7);
  });

  it('ignores lines of executions nobody follows', () => {
    const store = new LogStore();
    expect(store.append(2, logLines(1, 2))).toBe(0);
    expect(store.has(2)).toBe(false);
  });

  it('clears the display but goes on from the newest seq', () => {
    const store = new LogStore();
    store.ensure(1);
    store.append(1, logLines(1, 3));
    store.clear(1);
    store.append(1, logLines(1, 4));
    expect(store.get(1).lines.map((line) => line.seq)).toEqual([4]);
  });

  it('trims the oldest lines past the cap and tells listeners of each change', () => {
    const store = new LogStore();
    const listener = vi.fn();
    store.ensure(1);
    store.subscribe(1, listener);
    store.append(1, logLines(1, MAX_LOG_LINES + 10));
    expect(store.get(1).lines).toHaveLength(MAX_LOG_LINES);
    expect(store.get(1).lines[0]?.seq).toBe(11);
    expect(store.get(1).dropped).toBe(10);
    expect(listener).toHaveBeenCalledTimes(1);
  });
});
