import { describe, expect, it } from 'vitest';

import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('doubles from 1 s and stops at 30 s', () => {
    const middle = () => 0.5;
    const delays = [0, 1, 2, 3, 4, 5, 6, 10, 50].map((attempt) => backoffDelay(attempt, middle));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  });

  it('spreads each delay by ±20 % and never passes the cap', () => {
    expect(backoffDelay(0, () => 0)).toBe(800);
    expect(backoffDelay(0, () => 1)).toBe(1200);
    expect(backoffDelay(3, () => 0)).toBe(6400);
    expect(backoffDelay(8, () => 0)).toBe(24000);
    expect(backoffDelay(8, () => 1)).toBe(30000);
  });
});
