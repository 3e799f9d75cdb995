import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { Toaster } from '@/components/ui/toaster';
import { fetchCalls, mockFetch } from '@/testing/mock-fetch';
import { renderRoutes } from '@/testing/render';

import { WorkersPage } from './workers-page';

const worker = {
  name: 'celery@host-1',
  status: 'online',
  active: 2,
  processed: 140,
  failed: 3,
  load: [0.5, 0.25, 0.1],
  pool_size: 4,
  queues: ['celery', 'deploy'],
  last_heartbeat: new Date().toISOString(),
};

describe('WorkersPage', () => {
  it('lists the workers and runs an admin action after a confirmation', async () => {
    const fetchMock = mockFetch({
      'GET /api/tasks/workers/': { body: { flower: 'ok', workers: [worker] } },
      'GET /api/tasks/flower-info/': {
        body: { flower: 'ok', version: '2.0.1', dashboard_url: '/flower/', totals: { active: 2 } },
      },
      'POST /api/tasks/workers/celery%40host-1/pool-grow/': { body: { ok: true } },
    });
    const { user } = renderRoutes([
      {
        path: '/',
        element: (
          <>
            <WorkersPage />
            <Toaster />
          </>
        ),
      },
    ]);

    const row = (await screen.findByRole('rowheader', { name: 'celery@host-1' })).closest('tr');
    if (!row) throw new Error('no row');
    expect(within(row).getByText('online')).toBeInTheDocument();
    expect(within(row).getByText('0.50 / 0.25 / 0.10')).toBeInTheDocument();
    expect(within(row).getByText('celery, deploy')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Open Flower dashboard/ })).toHaveAttribute('href', '/flower/');
    expect(await screen.findByText('2.0.1')).toBeInTheDocument();

    await user.click(within(row).getByRole('button', { name: 'Grow pool celery@host-1' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Grow pool?' });
    await user.click(within(dialog).getByRole('button', { name: 'Grow pool' }));

    expect(await screen.findByText('Grow pool: celery@host-1')).toBeInTheDocument();
    const post = fetchMock.mock.calls.find(([, init]) => init?.method === 'POST');
    expect(post?.[1]?.body).toBe(JSON.stringify({ n: 1 }));
    expect(fetchCalls(fetchMock)).toContain('POST /api/tasks/workers/celery%40host-1/pool-grow/');
  });

  it('warns when Flower is down and keeps the fallback list without actions', async () => {
    mockFetch({
      'GET /api/tasks/workers/': { body: { flower: 'unavailable', workers: [{ name: 'celery@host-1', status: 'online' }] } },
      'GET /api/tasks/flower-info/': { body: { flower: 'unavailable' } },
    });
    renderRoutes([{ path: '/', element: <WorkersPage /> }]);

    expect(await screen.findByRole('alert')).toHaveTextContent('Flower is unavailable');
    expect(await screen.findByRole('rowheader', { name: 'celery@host-1' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Shut down celery@host-1' })).toBeDisabled();
  });
});
