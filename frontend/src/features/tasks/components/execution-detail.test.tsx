import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { buildExecution } from '@/testing/factories';
import { mockFetch } from '@/testing/mock-fetch';
import { renderRoutes } from '@/testing/render';

import { ExecutionDetail } from './execution-detail';

function renderDetail(body: unknown, status = 200) {
  mockFetch({ 'GET /api/tasks/executions/42/': { status, body } });
  return renderRoutes([{ path: '/', element: <ExecutionDetail executionId={42} /> }]);
}

describe('ExecutionDetail', () => {
  it('shows the steps done, running and to come, the facts and the log panel', async () => {
    renderDetail(buildExecution({ id: 42, title: 'Deploy web-01', current_step: 3, total_steps: 5, message: 'Configuring...' }));

    const steps = await screen.findByRole('list', { name: 'Steps' });
    expect(within(steps).getAllByRole('listitem').map((item) => item.textContent)).toEqual([
      'Step 1(completed)',
      'Step 2(completed)',
      'Step 3Configuring...(in progress)',
      'Step 4(pending)',
      'Step 5(pending)',
    ]);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Deploy web-01');
    expect(screen.getByText('celery-42')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: /^Logs/ })).toBeInTheDocument();
  });

  it('shows the error and the staff traceback of a failed execution', async () => {
    renderDetail(
      buildExecution({
        id: 42,
        status: 'FAILURE',
        is_active: false,
        can_cancel: false,
        error: 'ValueError: bad host',
        traceback: 'Traceback (most recent call last): ...',
      }),
    );
    const outcome = await screen.findByRole('region', { name: 'Error' });
    expect(within(outcome).getByRole('alert')).toHaveTextContent('ValueError: bad host');
    expect(within(outcome).getByText('Traceback')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Cancel / })).not.toBeInTheDocument();
  });

  it('shows the result of a successful execution', async () => {
    renderDetail(buildExecution({ id: 42, status: 'SUCCESS', is_active: false, result: { vm_id: 'vm-17' } }));
    const outcome = await screen.findByRole('region', { name: 'Result' });
    expect(outcome).toHaveTextContent('"vm_id": "vm-17"');
  });

  it('says when the task does not exist or is not the user’s', async () => {
    renderDetail({ detail: 'Not found.' }, 404);
    expect(await screen.findByRole('alert')).toHaveTextContent('Task #42 does not exist or is not yours.');
  });
});
