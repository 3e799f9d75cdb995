import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { INPUT_DEBOUNCE_MS } from '@/hooks/use-debounced-input';

import { TextFilter } from './text-filter';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('TextFilter', () => {
  it('labels its input, rewrites what is typed and commits it once typing pauses', () => {
    const onCommit = vi.fn();
    render(
      <TextFilter
        label="Currency"
        maxLength={3}
        normalize={(text) => text.toUpperCase().replace(/[^A-Z]/g, '')}
        value=""
        onCommit={onCommit}
      />,
    );
    const input = screen.getByLabelText('Currency');
    expect(input).toHaveAttribute('maxlength', '3');
    expect(input.parentElement).toHaveClass('field');
    expect(input.parentElement).not.toHaveClass('field-grow');

    fireEvent.change(input, { target: { value: 'e1u' } });
    expect(input).toHaveValue('EU');
    expect(onCommit).not.toHaveBeenCalled();
    act(() => {
      vi.advanceTimersByTime(INPUT_DEBOUNCE_MS);
    });
    expect(onCommit).toHaveBeenCalledExactlyOnceWith('EU');
  });
});
