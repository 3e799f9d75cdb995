import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { Toaster } from '@/components/ui/toaster';
import { fetchCalls, mockFetch } from '@/testing/mock-fetch';
import { renderRoutes } from '@/testing/render';

import { QueuesPage } from './queues-page';

const deploy = {
  name: 'deploy',
  length: 12,
  oldest_age_seconds: 95,
  consumers: ['w1@host'],
  paused: false,
  paused_at: null,
  executions: { PENDING: 12, SUCCESS: 40, FAILURE: 0 },
};

describe('QueuesPage', () => {
  it('shows each queue and pauses one after a confirmation', async () => {
    const fetchMock = mockFetch({
      'GET /api/tasks/queues/': { body: { broker: 'ok', queues: [deploy] } },
      'POST /api/tasks/queues/deploy/pause/': { body: { detail: 'done', audit: {} } },
    });
    const { user } = renderRoutes([{ path: '/', element: (<><QueuesPage /><Toaster /></>) }]);

    const row = (await screen.findByRole('rowheader', { name: 'deploy' })).closest('tr');
    if (!row) throw new Error('no row');
    expect(within(row).getByText('12')).toBeInTheDocument();
    expect(within(row).getByText('1m 35s')).toBeInTheDocument();
    expect(within(row).getByText('w1@host')).toBeInTheDocument();
    expect(within(row).getByText('PENDING 12, SUCCESS 40')).toBeInTheDocument();
    expect(within(row).getByText('consuming')).toBeInTheDocument();

    await user.click(within(row).getByRole('button', { name: 'Pause deploy' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Pause deploy?' });
    await user.click(within(dialog).getByRole('button', { name: 'Pause' }));

    expect(await screen.findByText('Paused deploy')).toBeInTheDocument();
    expect(fetchCalls(fetchMock)).toContain('POST /api/tasks/queues/deploy/pause/');
  });

  it('says when the broker cannot be reached', async () => {
    mockFetch({ 'GET /api/tasks/queues/': { body: { broker: 'unavailable', queues: [{ ...deploy, length: null, paused: true }] } } });
    renderRoutes([{ path: '/', element: <QueuesPage /> }]);
    expect(await screen.findByText(/The broker cannot be reached/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Resume deploy' })).toBeInTheDocument();
  });
});
