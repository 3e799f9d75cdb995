import { act, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import { Toaster } from '@/components/ui/toaster';
import { buildExecution, buildPage } from '@/testing/factories';
import { FakeWebSocket } from '@/testing/fake-websocket';
import { fetchCalls, mockFetch, type MockRoutes } from '@/testing/mock-fetch';
import { createTestLiveClient, createTestQueryClient, renderRoutes } from '@/testing/render';
import type { Execution, ExecutionCounts } from '@/types/api';

import { TaskMonitor } from './task-monitor';

const ana = { id: 3, is_staff: false };
const EXECUTIONS = '/api/tasks/executions/';
const LIST = `${EXECUTIONS}?page_size=25&top_level=true&ordering=running_first`;
const COUNTS = `${EXECUTIONS}counts/?top_level=true`;
const counts: ExecutionCounts = {
  status: { PENDING: 30, PROGRESS: 2, SUCCESS: 10, FAILURE: 3, REVOKED: 1 },
  module: { deploy: 40, edi: 6 },
  name: { 'deploy.deploy_vm': 40, 'edi.import_batch': 6 },
};

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
  name: 'edi.import_batch',
  status: 'PROGRESS',
  progress: 50,
  current_step: 0,
  total_steps: 0,
  message: 'file 60 imported',
  total_items: 120,
  processed_items: 58,
  failed_items: 2,
  children_count: 120,
  children_failed: 2,
  seq: 5,
});
const finished = buildExecution({
  id: 44,
  title: 'Old report',
  status: 'SUCCESS',
  progress: 100,
  is_active: false,
  can_cancel: false,
  started_at: '2025-01-16T10:30:00Z',
  finished_at: '2025-01-16T10:30:04.2Z',
  duration: 1,
  seq: 30,
});
const cancelled = buildExecution({
  id: 45,
  title: 'Deploy web-02',
  status: 'REVOKED',
  progress: 25,
  is_active: false,
  can_cancel: false,
  seq: 12,
});

function renderMonitor(routes: MockRoutes, { user = ana, live = false, initial = '/' } = {}) {
  const fetchMock = mockFetch({ [`GET ${COUNTS}`]: { body: counts }, ...routes });
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

function toasts() {
  return screen.getByRole('region', { name: 'Notifications toasts' });
}

async function goLive() {
  await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
  act(() => FakeWebSocket.latest().open());
}

function sendStatus(execution: Execution) {
  act(() =>
    FakeWebSocket.latest().receive({ type: 'task.status', execution_id: execution.id, seq: execution.seq, execution }),
  );
}

beforeEach(() => {
  FakeWebSocket.reset();
});

describe('TaskMonitor', () => {
  it('lists top-level executions, running first, with status counts and only the actions that apply', async () => {
    renderMonitor({ [`GET ${LIST}`]: { body: buildPage([running, importing, finished, cancelled]) } });

    expect(await screen.findByRole('link', { name: 'Deploy web-01' })).toHaveAttribute('href', '/tasks/42');
    const deploy = within(row(42));
    expect(deploy.getByText('Running')).toBeInTheDocument();
    expect(deploy.getByRole('progressbar', { name: 'Deploy web-01 progress' })).toHaveAttribute('aria-valuenow', '38');
    expect(deploy.getByText('Step 3 of 8: Configuring hardware...')).toBeInTheDocument();
    expect(deploy.getByRole('button', { name: 'Cancel Deploy web-01' })).toBeEnabled();
    expect(within(row(43)).getByText(/58 of 120 items, 2 failed/)).toBeInTheDocument();
    expect(within(row(43)).getByText('120 files')).toBeInTheDocument();

    // Finished rows: no Cancel; the exact duration; a cancelled one neutral, retryable.
    expect(within(row(44)).queryByRole('button', { name: /^Cancel/ })).not.toBeInTheDocument();
    expect(within(row(44)).getByText('4.2s')).toBeInTheDocument();
    expect(within(row(45)).getByText('Cancelled')).toHaveClass('status-revoked');
    expect(within(row(45)).getByRole('progressbar')).toHaveClass('progress-cancelled');
    expect(within(row(45)).getByRole('button', { name: 'Retry Deploy web-02' })).toBeInTheDocument();

    const tabs = screen.getByRole('group', { name: 'Status' });
    expect(await within(tabs).findByRole('button', { name: 'All 46' })).toHaveAttribute('aria-pressed', 'true');
    expect(within(tabs).getByRole('button', { name: 'Active 32' })).toBeInTheDocument();
    expect(within(tabs).getByRole('button', { name: 'Failed 3' })).toBeInTheDocument();
    expect(screen.getByRole('option', { name: 'deploy (40)' })).toBeInTheDocument();
    expect(screen.getByText('4 executions')).toBeInTheDocument();
  });

  it('updates rows live from the socket without refetching', async () => {
    const { fetchMock } = renderMonitor({ [`GET ${LIST}`]: { body: buildPage([running]) } }, { live: true });
    await screen.findByRole('link', { name: 'Deploy web-01' });
    await goLive();
    // The first hello re-reads lists holding running tasks once (changes made before it).
    await waitFor(() => expect(fetchCalls(fetchMock).filter((call) => call === `GET ${LIST}`)).toHaveLength(2));

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
    expect(fetchCalls(fetchMock).filter((call) => call === `GET ${LIST}`)).toHaveLength(2);
  });

  it('cancels after a confirmation; its "Cancelling" toast is replaced by the outcome', async () => {
    const { user, fetchMock } = renderMonitor(
      {
        [`GET ${LIST}`]: { body: buildPage([running]) },
        'POST /api/tasks/cancel/42/': { status: 202, body: { status: 'cancelling' } },
      },
      { live: true },
    );
    const cancel = await screen.findByRole('button', { name: 'Cancel Deploy web-01' });
    await goLive();

    await user.click(cancel);
    const dialog = screen.getByRole('alertdialog', { name: 'Cancel “Deploy web-01”?' });
    expect(within(dialog).getByRole('button', { name: 'Keep running' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(fetchCalls(fetchMock)).not.toContain('POST /api/tasks/cancel/42/');

    await user.click(cancel);
    await user.click(screen.getByRole('button', { name: 'Cancel task' }));
    expect(await within(toasts()).findByText('Cancelling Deploy web-01…')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Cancel Deploy web-01' })).toBeDisabled();

    sendStatus({ ...running, seq: 11, status: 'REVOKED', is_active: false, can_cancel: false });
    expect(await within(toasts()).findByText('Deploy web-01 was cancelled')).toBeInTheDocument();
    expect(within(toasts()).getAllByRole('status')).toHaveLength(1);
    expect(within(row(42)).queryByRole('button', { name: /^Cancel/ })).not.toBeInTheDocument();
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

  it('keeps tabs, module, task name, search, sorting, page size and page in the URL', async () => {
    const page = { body: buildPage([running], 120) };
    const filtered = 'status=FAILURE&module=deploy&name=deploy.deploy_vm&top_level=true';
    const { user, fetchMock, router } = renderMonitor({
      [`GET ${LIST}`]: page,
      [`GET ${EXECUTIONS}?page_size=25&status=FAILURE&top_level=true&ordering=running_first`]: page,
      [`GET ${EXECUTIONS}?page_size=25&status=FAILURE&module=deploy&top_level=true&ordering=running_first`]: page,
      [`GET ${EXECUTIONS}?page_size=25&${filtered}&ordering=running_first`]: page,
      [`GET ${EXECUTIONS}?page_size=25&${filtered}&ordering=-created_at`]: page,
      [`GET ${EXECUTIONS}?page_size=50&${filtered}&ordering=-created_at`]: page,
      [`GET ${EXECUTIONS}?page=2&page_size=50&${filtered}&ordering=-created_at`]: page,
      [`GET ${EXECUTIONS}counts/?status=FAILURE&top_level=true`]: { body: counts },
      [`GET ${EXECUTIONS}counts/?status=FAILURE&module=deploy&top_level=true`]: { body: counts },
      [`GET ${EXECUTIONS}counts/?${filtered}`]: { body: counts },
    });
    await screen.findByRole('link', { name: 'Deploy web-01' });

    await user.click(screen.getByRole('button', { name: /^Failed/ }));
    await user.selectOptions(screen.getByLabelText('Module'), 'deploy');
    // A partial name filters nothing (names match exactly); a suggested one does.
    await user.type(screen.getByLabelText('Task name'), 'deploy.');
    expect(screen.getByText('Pick one of the suggested names.')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Task name'), 'deploy_vm');
    await waitFor(() => expect(fetchCalls(fetchMock).at(-1)).toContain('name=deploy.deploy_vm'));

    await user.click(screen.getByRole('button', { name: /^Created/ }));
    await waitFor(() => expect(fetchCalls(fetchMock).at(-1)).toContain('ordering=-created_at'));
    expect(screen.getByRole('columnheader', { name: /Created/ })).toHaveAttribute('aria-sort', 'descending');
    await user.selectOptions(screen.getByLabelText('Rows per page'), '50');
    expect(await screen.findByText('Page 1 of 3')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Page 2 of 3')).toBeInTheDocument();
    expect(router.state.location.search).toBe(
      '?status=FAILURE&module=deploy&name=deploy.deploy_vm&ordering=-created_at&page_size=50&page=2',
    );

    // The export takes the filters, as CSV or JSON.
    const exports = screen.getByRole('group', { name: 'Export formats' });
    expect(within(exports).getByRole('link', { name: 'JSON' })).toHaveAttribute(
      'href',
      `/api/tasks/executions/export/?format=json&${filtered}`,
    );
    expect(within(exports).getByRole('link', { name: /CSV/ })).toHaveAttribute('href', expect.stringContaining('format=csv'));

    // Back steps through the changes.
    await act(() => router.navigate(-1));
    expect(await screen.findByText('Page 1 of 3')).toBeInTheDocument();
    await act(() => router.navigate(-1));
    await waitFor(() => expect(router.state.location.search).not.toContain('page_size'));
  });

  it('shows queued and running work on the Active tab', async () => {
    const active = 'status=PENDING%2CSTARTED%2CPROGRESS%2CRETRY&top_level=true';
    const { user, fetchMock } = renderMonitor({
      [`GET ${LIST}`]: { body: buildPage([running, finished]) },
      [`GET ${EXECUTIONS}?page_size=25&${active}&ordering=running_first`]: { body: buildPage([running]) },
      [`GET ${EXECUTIONS}counts/?${active}`]: { body: counts },
    });
    await screen.findByRole('link', { name: 'Old report' });
    await user.click(screen.getByRole('button', { name: /^Active/ }));
    await waitFor(() => expect(screen.queryByRole('link', { name: 'Old report' })).not.toBeInTheDocument());
    expect(fetchCalls(fetchMock)).toContain(`GET ${EXECUTIONS}counts/?${active}`);
  });

  it('sorts from a select too (a phone hides the headings), and back to running first', async () => {
    const { user, router } = renderMonitor({
      [`GET ${LIST}`]: { body: buildPage([running]) },
      [`GET ${EXECUTIONS}?page_size=25&top_level=true&ordering=-duration`]: { body: buildPage([running]) },
    });
    await screen.findByRole('link', { name: 'Deploy web-01' });
    await user.selectOptions(screen.getByLabelText('Sort by'), 'Longest');
    await waitFor(() => expect(router.state.location.search).toBe('?ordering=-duration'));
    expect(screen.getByRole('columnheader', { name: /Duration/ })).toHaveAttribute('aria-sort', 'descending');
    await user.click(screen.getByRole('button', { name: 'Running first' }));
    await waitFor(() => expect(router.state.location.search).toBe(''));
  });

  it('shows what runs each execution and filters by kind', async () => {
    const djangoTask = buildExecution({
      id: 46,
      title: '',
      name: 'task_manager.django_demo.demo',
      module: 'task_manager',
      kind: 'django',
      backend: 'default',
      status: 'PROGRESS',
      seq: 3,
    });
    const kindCounts = { ...counts, kind: { celery: 46, django: 1 } };
    const { user, fetchMock, router } = renderMonitor({
      [`GET ${COUNTS}`]: { body: kindCounts },
      [`GET ${LIST}`]: { body: buildPage([running, djangoTask]) },
      [`GET ${EXECUTIONS}?page_size=25&kind=django&top_level=true&ordering=running_first`]: { body: buildPage([djangoTask]) },
      [`GET ${EXECUTIONS}counts/?kind=django&top_level=true`]: { body: kindCounts },
    });
    await screen.findByRole('link', { name: 'Deploy web-01' });
    expect(within(row(42)).getByText('Celery')).toBeInTheDocument();
    expect(within(row(46)).getByText('django.tasks')).toHaveAttribute('title', 'django.tasks · default');
    expect(screen.getByRole('option', { name: 'django.tasks (1)' })).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText('Kind'), 'django');

    await waitFor(() => expect(fetchCalls(fetchMock).at(-1)).toContain('kind=django'));
    expect(router.state.location.search).toBe('?kind=django');
    await waitFor(() => expect(screen.queryByTestId('execution-42')).not.toBeInTheDocument());
    expect(row(46)).toBeInTheDocument();
  });

  it('opens a bookmarked view as it was', async () => {
    renderMonitor(
      {
        [`GET ${EXECUTIONS}?page=3&page_size=100&status=PENDING&top_level=true&ordering=progress`]: { body: buildPage([running], 400) },
        [`GET ${EXECUTIONS}counts/?status=PENDING&top_level=true`]: { body: counts },
      },
      { initial: '/?status=PENDING&ordering=progress&page_size=100&page=3' },
    );
    expect(await screen.findByText('Page 3 of 4')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /^Pending/ })).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByLabelText('Rows per page')).toHaveValue('100');
    expect(screen.getByRole('columnheader', { name: /Progress/ })).toHaveAttribute('aria-sort', 'ascending');
  });

  it('shows staff their own tasks, or everyone’s with the toggle', async () => {
    const staff = { id: 1, is_staff: true };
    const other = { ...running, id: 50, title: 'Ben’s import', user: { id: 7, username: 'ben' } };
    const { user } = renderMonitor(
      {
        [`GET ${EXECUTIONS}?page_size=25&top_level=true&user=1&ordering=running_first`]: { body: buildPage([running]) },
        [`GET ${EXECUTIONS}counts/?top_level=true&user=1`]: { body: counts },
        [`GET ${LIST}`]: { body: buildPage([running, other]) },
      },
      { user: staff },
    );
    await screen.findByRole('link', { name: 'Deploy web-01' });
    expect(screen.queryByText('Ben’s import')).not.toBeInTheDocument();

    await user.click(screen.getByRole('switch', { name: 'All users' }));
    expect(await screen.findByText('Ben’s import')).toBeInTheDocument();
    expect(screen.getByRole('columnheader', { name: /User/ })).toBeInTheDocument();
    expect(within(row(50)).getByText('ben')).toBeInTheDocument();
  });

  it('retries a failed execution with the same arguments and opens the new one', async () => {
    const failed = { ...running, id: 60, title: 'Import 60', status: 'FAILURE' as const, is_active: false, can_cancel: false, can_retry: true };
    // A failure its module can't run again (an EDI import: its uploads are gone) has no Retry.
    const unretryable = { ...failed, id: 61, title: 'Import 61', can_retry: false };
    const { user, fetchMock, router } = renderMonitor({
      [`GET ${LIST}`]: { body: buildPage([failed, unretryable, running]) },
      'POST /api/tasks/executions/60/retry/': { status: 201, body: { ...running, id: 99, retry_of: 60 } },
    });
    await screen.findByRole('link', { name: 'Import 60' });
    expect(within(row(42)).queryByRole('button', { name: /Retry/ })).not.toBeInTheDocument();
    expect(within(row(61)).queryByRole('button', { name: /Retry/ })).not.toBeInTheDocument();

    await user.click(within(row(60)).getByRole('button', { name: 'Retry Import 60' }));

    await waitFor(() => expect(router.state.location.pathname).toBe('/tasks/99'));
    expect(fetchCalls(fetchMock)).toContain('POST /api/tasks/executions/60/retry/');
  });

  it('folds a parent’s children under it and loads them when unfolded', async () => {
    const files = [1, 2].map((n) =>
      buildExecution({ id: 200 + n, title: `Import invoic_${n}.edi`, module: 'edi', parent_id: 43, status: n === 2 ? 'FAILURE' : 'SUCCESS', is_active: false }),
    );
    const { user } = renderMonitor({
      [`GET ${LIST}`]: { body: buildPage([importing]) },
      [`GET ${EXECUTIONS}43/children/?page_size=25&ordering=running_first`]: { body: buildPage(files, 120) },
    });
    const toggle = await screen.findByRole('button', { name: 'Show the 120 files of Import invoices' });
    expect(screen.queryByText('Import invoic_1.edi')).not.toBeInTheDocument();

    await user.click(toggle);
    expect(await screen.findByRole('link', { name: 'Import invoic_2.edi' })).toBeInTheDocument();
    expect(row(202)).toHaveClass('child-row');
    expect(within(row(202)).getByText('Failed')).toBeInTheDocument();
    expect(screen.getByRole('navigation', { name: 'Pages of the files of #43' })).toHaveTextContent('Page 1 of 5');
    expect(screen.getByRole('link', { name: 'All 120 files on #43’s page' })).toHaveAttribute('href', '/tasks/43');

    await user.click(screen.getByRole('button', { name: 'Hide the 120 files of Import invoices' }));
    expect(screen.queryByText('Import invoic_1.edi')).not.toBeInTheDocument();
  });

  it('acts on the rows ticked, after a confirmation naming the count, and follows the bulk job live', async () => {
    const job = buildExecution({ id: 500, title: 'Cancel 2 executions', module: 'task_manager', status: 'PENDING', progress: 0, total_items: 2, processed_items: 0, message: '', total_steps: 0, current_step: 0, seq: 1 });
    const other = { ...running, id: 46, title: 'Deploy web-03' };
    const { user, fetchMock } = renderMonitor(
      {
        [`GET ${LIST}`]: { body: buildPage([running, other, finished]) },
        'POST /api/tasks/executions/bulk/': { status: 202, body: job },
        'GET /api/tasks/executions/500/': { body: job },
      },
      { live: true },
    );
    await screen.findByRole('link', { name: 'Deploy web-01' });
    await goLive();

    await user.click(screen.getByRole('checkbox', { name: 'Select Deploy web-01' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select Deploy web-03' }));
    const bar = screen.getByRole('region', { name: 'Bulk actions' });
    expect(within(bar).getByText('2 selected')).toBeInTheDocument();
    expect(within(bar).queryByRole('button', { name: 'Delete' })).not.toBeInTheDocument();

    await user.click(within(bar).getByRole('button', { name: 'Cancel' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Cancel 2 executions?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel 2 executions' }));

    const bulkCall = fetchMock.mock.calls.find(([url]) => url === '/api/tasks/executions/bulk/');
    expect(JSON.parse(bulkCall?.[1]?.body as string)).toEqual({ action: 'cancel', ids: [42, 46] });
    const panel = await screen.findByRole('region', { name: 'Bulk action' });
    expect(within(panel).getByRole('heading', { name: 'Cancel 2 executions' })).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Bulk actions' })).not.toBeInTheDocument();

    sendStatus({ ...job, seq: 2, status: 'PROGRESS', progress: 50, processed_items: 1, message: 'Cancel: 1 of 2' });
    expect(await within(panel).findByText('Cancel: 1 of 2')).toBeInTheDocument();
    expect(within(panel).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '50');
  });

  it('selects everything matching the filters, beyond the page, and sends the filter', async () => {
    const queued = Array.from({ length: 25 }, (_, index) =>
      buildExecution({ id: 300 + index, title: `Deploy bulk-${index}`, status: 'PENDING', progress: 0 }),
    );
    const pendingList = `${EXECUTIONS}?page_size=25&status=PENDING&module=deploy&top_level=true&ordering=running_first`;
    const job = buildExecution({ id: 501, title: 'Cancel 30 executions', status: 'PENDING', progress: 0 });
    const { user, fetchMock } = renderMonitor(
      {
        [`GET ${pendingList}`]: { body: buildPage(queued, 30) },
        [`GET ${EXECUTIONS}counts/?status=PENDING&module=deploy&top_level=true`]: { body: counts },
        'POST /api/tasks/executions/bulk/': { status: 202, body: job },
        'GET /api/tasks/executions/501/': { body: job },
      },
      { initial: '/?status=PENDING&module=deploy' },
    );
    await screen.findByRole('link', { name: 'Deploy bulk-0' });

    // One tick offers everything matching (on a phone the page's checkbox is hidden).
    await user.click(screen.getByRole('checkbox', { name: 'Select Deploy bulk-0' }));
    const bar = screen.getByRole('region', { name: 'Bulk actions' });
    expect(within(bar).getByText('1 selected')).toBeInTheDocument();
    expect(within(bar).getByRole('button', { name: 'Select all 30 matching' })).toBeInTheDocument();
    await user.click(screen.getByRole('checkbox', { name: 'Select every task on this page' }));
    expect(within(bar).getByText('25 selected')).toBeInTheDocument();
    await user.click(within(bar).getByRole('button', { name: 'Select all 30 matching' }));
    expect(within(bar).getByText('All 30 matching selected')).toBeInTheDocument();

    await user.click(within(bar).getByRole('button', { name: 'Cancel' }));
    await user.click(screen.getByRole('button', { name: 'Cancel 30 executions' }));

    const bulkCall = fetchMock.mock.calls.find(([url]) => url === '/api/tasks/executions/bulk/');
    expect(JSON.parse(bulkCall?.[1]?.body as string)).toEqual({
      action: 'cancel',
      filter: { status: 'PENDING', module: 'deploy', top_level: true },
    });
    expect(await screen.findByRole('region', { name: 'Bulk action' })).toBeInTheDocument();
  });
});
