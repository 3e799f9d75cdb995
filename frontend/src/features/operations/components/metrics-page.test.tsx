import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { fetchCalls, mockFetch } from '@/testing/mock-fetch';
import { renderRoutes } from '@/testing/render';

import { MetricsPage } from './metrics-page';

const figures = { succeeded: 2, failed: 1, retried: 0, cancelled: 0, runtime_p50: 0.04, runtime_p95: 2.5, runtime_p99: 75, wait_p50: 0.01, wait_p95: 0.2 };

describe('MetricsPage', () => {
  it('reads range and filters from the URL and shows the per-task table', async () => {
    const fetchMock = mockFetch({
      'GET /api/tasks/metrics/?range=24h&queue=deploy': {
        body: {
          range: '24h',
          bucket_seconds: 3600,
          buckets: [{ start: '2026-12-01T10:00:00+00:00', ...figures }],
          tasks: [{ name: 'deploy.deploy_vm', module: 'deploy', ...figures, failure_rate: 1 / 3, runtime_mean: 1.2 }],
        },
      },
    });
    renderRoutes([{ path: '/task-metrics', element: <MetricsPage /> }], { initialEntries: ['/task-metrics?range=24h&queue=deploy'] });

    expect(await screen.findByRole('rowheader', { name: 'deploy.deploy_vm' })).toBeInTheDocument();
    expect(screen.getByText('40 ms')).toBeInTheDocument();
    expect(screen.getByText('2.5 s')).toBeInTheDocument();
    expect(screen.getByText('1m 15s')).toBeInTheDocument();
    expect(screen.getByText('33.3%')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: '24h' })).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByLabelText('Queue')).toHaveValue('deploy');
    expect(fetchCalls(fetchMock)).toEqual(['GET /api/tasks/metrics/?range=24h&queue=deploy']);
  });
});
