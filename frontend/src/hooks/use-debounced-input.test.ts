import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { INPUT_DEBOUNCE_MS, useDebouncedInput } from './use-debounced-input';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('useDebouncedInput', () => {
  it('commits the latest text once typing pauses, with the latest callback', () => {
    const first = vi.fn();
    const latest = vi.fn();
    const { result, rerender } = renderHook(({ commit }) => useDebouncedInput('', commit), {
      initialProps: { commit: first },
    });
    act(() => result.current.setValue('we'));
    act(() => {
      vi.advanceTimersByTime(INPUT_DEBOUNCE_MS - 1);
    });
    act(() => result.current.setValue('web'));
    rerender({ commit: latest });
    act(() => {
      vi.advanceTimersByTime(INPUT_DEBOUNCE_MS);
    });
    expect(first).not.toHaveBeenCalled();
    expect(latest).toHaveBeenCalledExactlyOnceWith('web');
  });

  it('replaces what is typed when the committed value changes from outside', () => {
    const commit = vi.fn();
    const { result, rerender } = renderHook(({ committed }) => useDebouncedInput(committed, commit), {
      initialProps: { committed: 'web' },
    });
    act(() => result.current.setValue('web-0'));
    rerender({ committed: '' });
    expect(result.current.value).toBe('');
    act(() => {
      vi.advanceTimersByTime(INPUT_DEBOUNCE_MS);
    });
    expect(commit).not.toHaveBeenCalled();
  });
});
