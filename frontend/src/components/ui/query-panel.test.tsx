import type { UseQueryResult } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { QueryPanel } from './query-panel';

type State = Pick<UseQueryResult<string[]>, 'isPending' | 'isError' | 'error' | 'data'>;

function renderPanel(state: State) {
  return render(
    <QueryPanel
      query={state as UseQueryResult<string[]>}
      loading="Loading fruit…"
      error="Could not load fruit"
      errorAction={<button type="button">Retry</button>}
      isEmpty={(data) => data.length === 0}
      empty="No fruit yet."
    >
      {(data) => <ul>{data.map((item) => <li key={item}>{item}</li>)}</ul>}
    </QueryPanel>,
  );
}

describe('QueryPanel', () => {
  it('shows a spinner until the first answer', () => {
    renderPanel({ isPending: true, isError: false, error: null, data: undefined });
    expect(screen.getByRole('status')).toHaveTextContent('Loading fruit…');
  });

  it('says what failed, with the action beside it, and keeps data already shown', () => {
    renderPanel({ isPending: false, isError: true, error: new Error('Server down'), data: ['apple'] });
    expect(screen.getByRole('alert')).toHaveTextContent('Could not load fruit: Server down');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(screen.getByRole('listitem')).toHaveTextContent('apple');
  });

  it('says when there is nothing, else renders the data', () => {
    const { rerender } = renderPanel({ isPending: false, isError: false, error: null, data: [] });
    expect(screen.getByText('No fruit yet.')).toHaveClass('empty-state');
    expect(screen.queryByRole('list')).not.toBeInTheDocument();

    rerender(
      <QueryPanel
        query={{ isPending: false, isError: false, error: null, data: ['pear'] } as unknown as UseQueryResult<string[]>}
        loading="Loading fruit…"
        error="Could not load fruit"
      >
        {(data) => <p>{data.join()}</p>}
      </QueryPanel>,
    );
    expect(screen.getByText('pear')).toBeInTheDocument();
    expect(screen.queryByText('No fruit yet.')).not.toBeInTheDocument();
  });
});
