import { act, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import { Toaster } from '@/components/ui/toaster';
import { buildExecution, buildPage } from '@/testing/factories';
import { FakeWebSocket } from '@/testing/fake-websocket';
import { fetchCalls, mockFetch, type MockRoutes } from '@/testing/mock-fetch';
import { createTestLiveClient, createTestQueryClient, renderRoutes } from '@/testing/render';

import { TaskMonitor } from './task-monitor';

const ana = { id: 3, is_staff: false };
const LIST = '/api/tasks/executions/?page_size=20&ordering=-created_at';

const running = buildExecution({
  id: 42,
  title: 'Deploy web-01',
  status: 'PROGRESS',
  progress: 37.5,
  current_step: 3,
  total_steps: 8,
  message: 'Configuring hardware...',
  seq: 10,
});
const importing = buildExecution({
  id: 43,
  title: 'Import invoices',
  module: 'edi',
  status: 'PROGRESS',
  progress: 50,
  current_step: 0,
  total_steps: 0,
  message: 'file 60 imported',
  total_items: 120,
  processed_items: 58,
  failed_items: 2,
  seq: 5,
});
const finished = buildExecution({
  id: 44,
  title: 'Old report',
  status: 'SUCCESS',
  progress: 100,
  is_active: false,
  can_cancel: false,
  seq: 30,
});

function renderMonitor(routes: MockRoutes, { user = ana, live = false, initial = '/' } = {}) {
  const fetchMock = mockFetch(routes);
  const queryClient = createTestQueryClient();
  const client = live ? createTestLiveClient(queryClient) : undefined;
  const view = renderRoutes(
    [
      {
        path: '/',
        element: (
          <>
            <TaskMonitor user={user} />
            <Toaster />
          </>
        ),
      },
      { path: '/tasks/:id', element: <p>Task page</p> },
    ],
    { queryClient, initialEntries: [initial], ...(client ? { live: client } : {}) },
  );
  return { ...view, fetchMock };
}

function row(id: number) {
  return screen.getByTestId(`execution-${id}`);
}

beforeEach(() => {
  FakeWebSocket.reset();
});

describe('TaskMonitor', () => {
  it('lists the executions with status, progress, step, message and items', async () => {
    renderMonitor({ [`GET ${LIST}`]: { body: buildPage([running, importing, finished]) } });

    expect(await screen.findByRole('link', { name: 'Deploy web-01' })).toHaveAttribute('href', '/tasks/42');
    const deploy = within(row(42));
    expect(deploy.getByText('Running')).toBeInTheDocument();
    expect(deploy.getByRole('progressbar', { name: 'Deploy web-01 progress' })).toHaveAttribute('aria-valuenow', '38');
    expect(deploy.getByText('38%')).toBeInTheDocument();
    expect(deploy.getByText('Step 3 of 8: Configuring hardware...')).toBeInTheDocument();
    expect(within(row(43)).getByText('58 of 120 items, 2 failed')).toBeInTheDocument();
    expect(within(row(44)).getByText('Success')).toBeInTheDocument();
    expect(within(row(44)).getByRole('button', { name: 'Cancel Old report' })).toBeDisabled();
    expect(screen.getByText('3 executions')).toBeInTheDocument();
    expect(screen.queryByRole('columnheader', { name: 'User' })).not.toBeInTheDocument();
  });

  it('updates rows live from the socket without refetching', async () => {
    const { fetchMock } = renderMonitor({ [`GET ${LIST}`]: { body: buildPage([running]) } }, { live: true });
    await screen.findByRole('link', { name: 'Deploy web-01' });
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    act(() => FakeWebSocket.latest().open());
    // The first hello re-reads lists holding running tasks once (changes made before it).
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));

    act(() =>
      FakeWebSocket.latest().receive({
        type: 'task.progress',
        execution_id: 42,
        seq: 11,
        status: 'PROGRESS',
        progress: 62.5,
        current_step: 5,
        total_steps: 8,
        message: 'Powering on VM...',
        processed_items: 0,
        failed_items: 0,
        eta_seconds: 12,
      }),
    );

    expect(await within(row(42)).findByText('Step 5 of 8: Powering on VM...')).toBeInTheDocument();
    expect(within(row(42)).getByText('63%')).toBeInTheDocument();
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('cancels after a confirmation, and not without one', async () => {
    const { user, fetchMock } = renderMonitor({
      [`GET ${LIST}`]: { body: buildPage([running]) },
      'POST /api/tasks/cancel/42/': { status: 202, body: { status: 'cancelling' } },
    });
    const cancel = await screen.findByRole('button', { name: 'Cancel Deploy web-01' });

    await user.click(cancel);
    const dialog = screen.getByRole('alertdialog', { name: 'Cancel “Deploy web-01”?' });
    expect(within(dialog).getByRole('button', { name: 'Keep running' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(cancel).toHaveFocus();
    expect(fetchCalls(fetchMock)).not.toContain('POST /api/tasks/cancel/42/');

    await user.click(cancel);
    await user.click(screen.getByRole('button', { name: 'Cancel task' }));

    expect(await screen.findByText('Cancelling: Deploy web-01')).toBeInTheDocument();
    expect(fetchCalls(fetchMock)).toContain('POST /api/tasks/cancel/42/');
    expect(screen.getByRole('button', { name: 'Cancel Deploy web-01' })).toBeDisabled();
  });

  it('says so when the task finished before the cancel arrived (409)', async () => {
    const { user } = renderMonitor({
      [`GET ${LIST}`]: { body: buildPage([running]) },
      'POST /api/tasks/cancel/42/': { status: 409, body: { detail: 'The execution already finished.' } },
      'GET /api/tasks/executions/42/': { body: { ...running, status: 'SUCCESS', is_active: false } },
    });
    await user.click(await screen.findByRole('button', { name: 'Cancel Deploy web-01' }));
    await user.click(screen.getByRole('button', { name: 'Cancel task' }));

    expect(await screen.findByText('The execution already finished.')).toBeInTheDocument();
  });

  it('filters by status, module and search, pages, and exports what it shows', async () => {
    const page = (count: number) => ({ body: buildPage([running], count) });
    const { user, fetchMock } = renderMonitor({
      [`GET ${LIST}`]: page(45),
      'GET /api/tasks/executions/?page_size=20&status=FAILURE&ordering=-created_at': page(45),
      'GET /api/tasks/executions/?page_size=20&status=FAILURE&module=deploy&ordering=-created_at': page(45),
      'GET /api/tasks/executions/?page_size=20&status=FAILURE&module=deploy&search=web&ordering=-created_at': page(45),
      'GET /api/tasks/executions/?page=2&page_size=20&status=FAILURE&module=deploy&search=web&ordering=-created_at': page(45),
    });
    await screen.findByRole('link', { name: 'Deploy web-01' });

    await user.selectOptions(screen.getByLabelText('Status'), 'FAILURE');
    await user.type(screen.getByLabelText('Module'), 'deploy');
    await waitFor(() => expect(fetchCalls(fetchMock).at(-1)).toContain('module=deploy'));
    await user.type(screen.getByLabelText('Search'), 'web');
    await waitFor(() => expect(fetchCalls(fetchMock).at(-1)).toContain('search=web'));
    expect(screen.getByText('Page 1 of 3')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Page 2 of 3')).toBeInTheDocument();
    expect(fetchCalls(fetchMock).at(-1)).toContain('page=2');
    expect(screen.getByRole('link', { name: 'Export CSV' })).toHaveAttribute(
      'href',
      '/api/tasks/executions/export/?format=csv&status=FAILURE&module=deploy&search=web&ordering=-created_at',
    );
  });

  it('shows staff their own tasks, or everyone’s with the toggle', async () => {
    const staff = { id: 1, is_staff: true };
    const other = { ...running, id: 50, title: 'Ben’s import', user: { id: 7, username: 'ben' } };
    const { user } = renderMonitor(
      {
        'GET /api/tasks/executions/?page_size=20&user=1&ordering=-created_at': { body: buildPage([running]) },
        [`GET ${LIST}`]: { body: buildPage([running, other]) },
      },
      { user: staff },
    );
    await screen.findByRole('link', { name: 'Deploy web-01' });
    expect(screen.queryByText('Ben’s import')).not.toBeInTheDocument();

    await user.click(screen.getByRole('switch', { name: 'All users' }));
    expect(await screen.findByText('Ben’s import')).toBeInTheDocument();
    expect(screen.getByRole('columnheader', { name: 'User' })).toBeInTheDocument();
    expect(within(row(50)).getByText('ben')).toBeInTheDocument();
  });

  it('retries a failed templated execution with the same params, and only that', async () => {
    const failed = { ...running, status: 'FAILURE' as const, is_active: false, can_cancel: false, template_id: 7 };
    const withParams = { ...failed, id: 60, title: 'Import 60', params: { path: '/in' } };
    const withoutParams = { ...failed, id: 61, title: 'Import 61' };
    const { user, fetchMock, router } = renderMonitor({
      [`GET ${LIST}`]: { body: buildPage([withParams, withoutParams]) },
      'POST /api/tasks/templates/7/launch/': { status: 201, body: { ...running, id: 99 } },
    });
    await screen.findByRole('link', { name: 'Import 60' });
    expect(within(row(61)).queryByRole('button', { name: /Retry/ })).not.toBeInTheDocument();

    await user.click(within(row(60)).getByRole('button', { name: 'Retry Import 60' }));

    await waitFor(() => expect(router.state.location.pathname).toBe('/tasks/99'));
    const launch = fetchMock.mock.calls.find(([, init]) => init?.method === 'POST');
    expect(launch?.[1]?.body).toBe(JSON.stringify({ params: { path: '/in' } }));
  });
});
