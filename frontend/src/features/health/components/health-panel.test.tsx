import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { mockFetch } from '@/testing/mock-fetch';
import { renderRoutes } from '@/testing/render';

import { HealthPanel } from './health-panel';

function renderPanel() {
  return renderRoutes([{ path: '/', element: <HealthPanel /> }]);
}

function valueOf(term: string): HTMLElement {
  const dt = screen.getByText(term, { selector: 'dt' });
  const dd = dt.nextElementSibling;
  if (!(dd instanceof HTMLElement)) throw new Error(`no value for ${term}`);
  return dd;
}

describe('HealthPanel', () => {
  it('shows the status of each dependency', async () => {
    mockFetch({
      'GET /api/health/': {
        body: { status: 'ok', database: 'ok', redis: 'ok', workers: 2, flower: 'ok' },
      },
    });
    renderPanel();

    const panel = await screen.findByRole('region', { name: 'Health' });
    expect(await within(panel).findByText('Workers')).toBeInTheDocument();
    expect(valueOf('Workers')).toHaveTextContent('2');
    expect(valueOf('Database')).toHaveTextContent('ok');
  });

  it('reads a degraded 503 answer as a report', async () => {
    mockFetch({
      'GET /api/health/': {
        status: 503,
        body: { status: 'degraded', database: 'ok', redis: 'error', workers: 0, flower: false },
      },
    });
    renderPanel();

    expect(await screen.findByText('degraded')).toBeInTheDocument();
    expect(valueOf('Redis')).toHaveTextContent('error');
    expect(valueOf('Flower')).toHaveTextContent('down');
  });

  it('shows an error when the API cannot be reached', async () => {
    mockFetch({ 'GET /api/health/': { status: 502 } });
    renderPanel();

    expect(await screen.findByRole('alert')).toHaveTextContent('Request failed with status 502');
  });
});
