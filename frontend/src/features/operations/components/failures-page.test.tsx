import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { fetchCalls, mockFetch } from '@/testing/mock-fetch';
import { renderRoutes } from '@/testing/render';

import { FailuresPage } from './failures-page';

const group = {
  key: '5f0c2a9e3b1d4c77',
  name: 'deploy.deploy_vm',
  exception: 'ValueError',
  message: "VM '…' not found after <n> s",
  count: 5,
  first_seen: '2026-12-01T09:00:00+00:00',
  last_seen: '2026-12-01T10:00:00+00:00',
  sample_execution_id: 812,
  sample_error: "ValueError: VM 'db-3' not found after 45 s",
  users: [{ id: 3, username: 'ana' }],
  list_filter: { status: 'FAILURE', name: 'deploy.deploy_vm' },
};

describe('FailuresPage', () => {
  it('lists the groups of the range in the URL and switches range', async () => {
    const fetchMock = mockFetch({
      'GET /api/tasks/failures/?range=7d': { body: { range: '7d', total: 5, groups: [group] } },
      'GET /api/tasks/failures/?range=1h': { body: { range: '1h', total: 0, groups: [] } },
    });
    const { user } = renderRoutes([{ path: '/failures', element: <FailuresPage /> }], { initialEntries: ['/failures?range=7d'] });

    expect(await screen.findByText('5 failures in 1 group')).toBeInTheDocument();
    expect(screen.getByText("VM '…' not found after <n> s")).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'deploy.deploy_vm' })).toHaveAttribute('href', '/?status=FAILURE&name=deploy.deploy_vm');
    expect(screen.getByRole('link', { name: '#812' })).toHaveAttribute('href', '/tasks/812');
    expect(screen.getByText('ana')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: '1h' }));
    expect(await screen.findByText('No failure in this range.')).toBeInTheDocument();
    expect(fetchCalls(fetchMock)).toContain('GET /api/tasks/failures/?range=1h');
  });
});
