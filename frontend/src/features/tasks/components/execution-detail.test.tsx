import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { buildExecution, buildPage } from '@/testing/factories';
import { fetchCalls, mockFetch, type MockRoutes } from '@/testing/mock-fetch';
import { renderRoutes } from '@/testing/render';
import type { ExecutionStep } from '@/types/api';

import { ExecutionDetail } from './execution-detail';

function renderDetail(body: unknown, status = 200, routes: MockRoutes = {}) {
  const fetchMock = mockFetch({ 'GET /api/tasks/executions/42/': { status, body }, ...routes });
  const view = renderRoutes([
    { path: '/', element: <ExecutionDetail executionId={42} /> },
    { path: '/tasks/:id', element: <p>Another task</p> },
  ]);
  return { ...view, fetchMock };
}

const NAMES = ['Connect to vCenter', 'Clone VM', 'Configure hardware', 'Configure network', 'Power on VM'];

function steps(statuses: string[]): ExecutionStep[] {
  return statuses.map((status, offset) => ({
    index: offset + 1,
    name: NAMES[offset] ?? `Step ${offset + 1}`,
    status,
    started_at: status === 'pending' || status === 'skipped' ? null : `2025-01-16T10:30:0${offset}Z`,
    finished_at: status === 'done' || status === 'failed' ? `2025-01-16T10:30:0${offset + 1}Z` : null,
  }));
}

const ERROR = 'Step 5/8 (Power on VM) failed: simulated failure: the host has not enough resources';

describe('ExecutionDetail', () => {
  it('names the steps, times the finished ones, and shows the running one’s message', async () => {
    renderDetail(
      buildExecution({
        id: 42,
        title: 'Deploy web-01',
        current_step: 3,
        total_steps: 5,
        message: 'Configuring...',
        steps: steps(['done', 'done', 'running', 'pending', 'pending']),
      }),
    );

    const list = await screen.findByRole('list', { name: 'Steps' });
    expect(within(list).getAllByRole('listitem').map((item) => item.textContent)).toEqual([
      'Connect to vCenter1.0s(completed)',
      'Clone VM1.0s(completed)',
      // Timed to now: the running step's duration ticks.
      expect.stringMatching(/^Configure hardwareConfiguring\.\.\..+\(in progress\)$/),
      'Configure network(pending)',
      'Power on VM(pending)',
    ]);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Deploy web-01');
    expect(screen.getByText('celery-42')).toBeInTheDocument();
    // One duration on the page; internal fields are not facts.
    expect(screen.getAllByText('Duration')).toHaveLength(1);
    expect(screen.queryByText('Sequence')).not.toBeInTheDocument();
    expect(screen.queryByText('Items')).not.toBeInTheDocument();
    expect(screen.getByRole('region', { name: /^Logs/ })).toBeInTheDocument();
  });

  it('shows a failure’s error once, the step it failed at, and the staff traceback folded', async () => {
    renderDetail(
      buildExecution({
        id: 42,
        status: 'FAILURE',
        is_active: false,
        can_cancel: false,
        current_step: 5,
        total_steps: 8,
        message: ERROR,
        error: ERROR,
        finished_at: '2025-01-16T10:30:05.3Z',
        steps: steps(['done', 'done', 'done', 'done', 'failed', 'skipped', 'skipped', 'skipped']),
        traceback: 'Traceback (most recent call last): ...',
      }),
    );
    const outcome = await screen.findByRole('region', { name: 'Error' });
    expect(within(outcome).getByRole('alert')).toHaveTextContent(ERROR);
    expect(screen.getAllByText(ERROR, { exact: false })).toHaveLength(1);
    expect(within(outcome).getByText('Failed at step 5 of 8: Power on VM')).toBeInTheDocument();
    const failed = within(screen.getByRole('list', { name: 'Steps' })).getByText('Power on VM').closest('li');
    expect(failed).toHaveTextContent('(failed)');
    expect(failed).toHaveTextContent('1.0s');
    const traceback = within(outcome).getByText('Traceback').closest('details');
    expect(traceback).not.toHaveAttribute('open');
    // The duration is exact once finished.
    expect(screen.getByText('Duration').nextSibling).toHaveTextContent('4.3s');
    expect(screen.queryByRole('button', { name: /^Cancel / })).not.toBeInTheDocument();
  });

  it('shows a cancelled task neutrally, with no error', async () => {
    renderDetail(
      buildExecution({ id: 42, status: 'REVOKED', is_active: false, can_cancel: false, current_step: 2, total_steps: 3, steps: steps(['done', 'cancelled', 'skipped']) }),
    );
    const outcome = await screen.findByRole('region', { name: 'Cancelled' });
    expect(within(outcome).queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByRole('progressbar')).toHaveClass('progress-cancelled');
    expect(within(screen.getByRole('list', { name: 'Steps' })).getByText('Clone VM').closest('li')).toHaveTextContent('(cancelled)');
  });

  it('retries with the same arguments and opens the new execution', async () => {
    const failed = buildExecution({
      id: 42,
      title: 'Deploy web-01',
      status: 'FAILURE',
      is_active: false,
      error: 'boom',
      args: ['web-01'],
      kwargs: { cpu: 2, password: '[redacted]' },
      retry_of: 30,
      retries: [50, 51],
    });
    const { user, router, fetchMock } = renderDetail(failed, 200, {
      'POST /api/tasks/executions/42/retry/': { status: 201, body: buildExecution({ id: 52, retry_of: 42 }) },
    });
    const args = await screen.findByRole('region', { name: 'Arguments' });
    expect(args).toHaveTextContent('"web-01"');
    expect(args).toHaveTextContent('"password": "[redacted]"');
    expect(screen.getByRole('link', { name: '#30' })).toHaveAttribute('href', '/tasks/30');
    expect(screen.getByRole('link', { name: '#51' })).toHaveAttribute('href', '/tasks/51');

    await user.click(screen.getByRole('button', { name: 'Retry Deploy web-01' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/tasks/52'));
    expect(fetchCalls(fetchMock)).toContain('POST /api/tasks/executions/42/retry/');
  });

  it('lists its children (an import’s files), the failed ones on demand', async () => {
    const parent = buildExecution({ id: 42, title: 'Import 3 files', module: 'edi', children_count: 3, children_failed: 1, status: 'SUCCESS', is_active: false });
    const files = [1, 2, 3].map((n) =>
      buildExecution({ id: 60 + n, title: `Import f${n}.edi`, module: 'edi', parent_id: 42, status: n === 3 ? 'FAILURE' : 'SUCCESS', is_active: false }),
    );
    const { user } = renderDetail(parent, 200, {
      'GET /api/tasks/executions/42/children/?page_size=25&ordering=created_at': { body: buildPage(files) },
      'GET /api/tasks/executions/42/children/?page_size=25&status=FAILURE&ordering=created_at': { body: buildPage(files.slice(2)) },
    });
    const panel = await screen.findByRole('region', { name: /^Files \(3\)/ });
    expect(panel).toHaveTextContent('Files (3) · 1 failed');
    expect(await within(panel).findByRole('link', { name: 'Import f1.edi' })).toHaveAttribute('href', '/tasks/61');

    await user.selectOptions(within(panel).getByLabelText('Show'), 'failed');
    await waitFor(() => expect(within(panel).queryByRole('link', { name: 'Import f1.edi' })).not.toBeInTheDocument());
    expect(within(panel).getByRole('link', { name: 'Import f3.edi' })).toBeInTheDocument();
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
