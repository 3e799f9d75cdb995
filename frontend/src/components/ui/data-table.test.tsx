import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { DataTable } from './data-table';

describe('DataTable', () => {
  it('names the table, heads its columns (hidden ones for screen readers) and holds the rows', () => {
    render(
      <DataTable caption="Fruit" className="extra" columns={['Name', { label: 'Price', className: 'num' }, { label: 'Actions', hidden: true }]}>
        <tr>
          <td>apple</td>
          <td>1</td>
          <td />
        </tr>
      </DataTable>,
    );
    const table = screen.getByRole('table', { name: 'Fruit' });
    expect(table).toHaveClass('data-table', 'responsive-table', 'extra');
    expect(screen.getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['Name', 'Price', 'Actions']);
    expect(screen.getByRole('columnheader', { name: 'Price' })).toHaveClass('num');
    expect(screen.getByText('Actions')).toHaveClass('visually-hidden');
    expect(screen.queryByRole('navigation')).not.toBeInTheDocument();
  });

  it('adds the pager of a list with pages', async () => {
    const onPageChange = vi.fn();
    render(
      <DataTable columns={['Name']} pagination={{ page: 1, pageSize: 10, count: 25, onPageChange, label: 'Fruit pages' }}>
        <tr>
          <td>apple</td>
        </tr>
      </DataTable>,
    );
    expect(screen.getByRole('navigation', { name: 'Fruit pages' })).toHaveTextContent('Page 1 of 3');
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(onPageChange).toHaveBeenCalledWith(2);
  });
});

describe('DataTable sorting', () => {
  function renderSorted(ordering: string, onSort = vi.fn()) {
    render(
      <DataTable
        columns={['Name', { label: 'Price', sortKey: 'price' }, { label: 'Created', sortKey: 'created_at', descendingFirst: true }]}
        sort={{ ordering, onSort }}
      >
        <tr>
          <td>apple</td>
          <td>1</td>
          <td>today</td>
        </tr>
      </DataTable>,
    );
    return onSort;
  }

  it('marks the sorted column and reverses it on a click', async () => {
    const onSort = renderSorted('price');
    expect(screen.getByRole('columnheader', { name: /Price/ })).toHaveAttribute('aria-sort', 'ascending');
    expect(screen.getByRole('columnheader', { name: /Created/ })).not.toHaveAttribute('aria-sort');
    expect(screen.getByRole('columnheader', { name: 'Name' }).querySelector('button')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: /Price/ }));
    expect(onSort).toHaveBeenLastCalledWith('-price');
  });

  it('sorts another column in its first direction', async () => {
    const onSort = renderSorted('-price');
    expect(screen.getByRole('columnheader', { name: /Price/ })).toHaveAttribute('aria-sort', 'descending');
    await userEvent.click(screen.getByRole('button', { name: /Price/ }));
    expect(onSort).toHaveBeenLastCalledWith('price');
    await userEvent.click(screen.getByRole('button', { name: /Created/ }));
    expect(onSort).toHaveBeenLastCalledWith('-created_at');
  });
});
