import { act, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import { Toaster } from '@/components/ui/toaster';
import { toast } from '@/lib/toast';
import { buildNotification, buildPage } from '@/testing/factories';
import { FakeWebSocket } from '@/testing/fake-websocket';
import { fetchCalls, mockFetch } from '@/testing/mock-fetch';
import { createTestLiveClient, createTestQueryClient, renderRoutes } from '@/testing/render';

import { NotificationsBell } from './notifications-bell';

const older = buildNotification({ id: 1, title: 'Import finished', level: 'success', read: false });
const readOne = buildNotification({ id: 2, title: 'Report ready', level: 'info', read: true, execution_id: null });

function renderBell() {
  const queryClient = createTestQueryClient();
  const live = createTestLiveClient(queryClient);
  const view = renderRoutes(
    [
      {
        path: '/',
        element: (
          <>
            <NotificationsBell />
            <Toaster />
          </>
        ),
      },
      { path: '/tasks/:id', element: <p>Task page</p> },
    ],
    { queryClient, live },
  );
  return view;
}

async function goLive() {
  await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
  act(() => FakeWebSocket.latest().open());
}

function push(notification: ReturnType<typeof buildNotification>) {
  act(() => FakeWebSocket.latest().receive({ type: 'notification', notification }));
}

beforeEach(() => {
  FakeWebSocket.reset();
});

describe('NotificationsBell', () => {
  it('shows the unread count, and a live notification bumps it with a toast', async () => {
    mockFetch({ 'GET /api/tasks/notifications/unread-count/': { body: { count: 1 } } });
    renderBell();
    expect(await screen.findByRole('button', { name: 'Notifications, 1 unread' })).toBeInTheDocument();
    await goLive();

    const fresh = buildNotification({ id: 9, title: 'Deploy web-01 finished', message: 'The VM is up.', execution_id: 42 });
    push(fresh);
    push(fresh); // delivered twice (a reconnect): counted once

    expect(await screen.findByRole('button', { name: 'Notifications, 2 unread' })).toBeInTheDocument();
    const toasts = screen.getByRole('region', { name: 'Notifications toasts' });
    expect(within(toasts).getAllByRole('status')).toHaveLength(1);
    expect(within(toasts).getByRole('link', { name: 'Deploy web-01 finished' })).toHaveAttribute('href', '/tasks/42');
    expect(within(toasts).getByText('The VM is up.')).toBeInTheDocument();
  });

  it('lists notifications in a dropdown and marks one, then all, read', async () => {
    const fetchMock = mockFetch({
      'GET /api/tasks/notifications/unread-count/': { body: { count: 1 } },
      'GET /api/tasks/notifications/?page_size=20': { body: buildPage([older, readOne]) },
      'POST /api/tasks/notifications/1/read/': { body: { ...older, read: true } },
      'POST /api/tasks/notifications/read-all/': { body: { updated: 1 } },
    });
    const { user } = renderBell();
    const bell = await screen.findByRole('button', { name: 'Notifications, 1 unread' });

    await user.click(bell);
    expect(bell).toHaveAttribute('aria-expanded', 'true');
    const panel = screen.getByRole('dialog', { name: 'Notifications' });
    expect(await within(panel).findByText('Import finished')).toBeInTheDocument();
    expect(within(panel).getByText('Report ready')).toBeInTheDocument();

    await user.click(within(panel).getByRole('button', { name: 'Mark read: Import finished' }));
    expect(await screen.findByRole('button', { name: 'Notifications, 0 unread' })).toBeInTheDocument();
    await waitFor(() =>
      expect(within(panel).queryByRole('button', { name: /Mark read:/ })).not.toBeInTheDocument(),
    );
    expect(within(panel).getByRole('button', { name: 'Mark all read' })).toBeDisabled();

    await goLive();
    push(buildNotification({ id: 10, title: 'Export ready' }));
    expect(await within(panel).findByText('Export ready')).toBeInTheDocument();
    await user.click(within(panel).getByRole('button', { name: 'Mark all read' }));
    expect(await screen.findByRole('button', { name: 'Notifications, 0 unread' })).toBeInTheDocument();
    expect(fetchCalls(fetchMock)).toContain('POST /api/tasks/notifications/read-all/');

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog', { name: 'Notifications' })).not.toBeInTheDocument();
    expect(bell).toHaveFocus();
  });

  it('re-reads the count after a reconnect, since notifications are not replayed', async () => {
    let count = 0;
    const fetchMock = mockFetch({
      'GET /api/tasks/notifications/unread-count/': () => ({ body: { count: count++ } }),
    });
    renderBell();
    await screen.findByRole('button', { name: 'Notifications, 0 unread' });
    await goLive();
    act(() => FakeWebSocket.latest().serverClose(1006));
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2), { timeout: 3000 });
    act(() => FakeWebSocket.latest().open());

    expect(await screen.findByRole('button', { name: 'Notifications, 1 unread' })).toBeInTheDocument();
    expect(fetchCalls(fetchMock).filter((call) => call.includes('unread-count'))).toHaveLength(2);
  });

  it('shows one toast for a burst of finished deployments, counting the failed ones', async () => {
    mockFetch({ 'GET /api/tasks/notifications/unread-count/': { body: { count: 0 } } });
    renderBell();
    await screen.findByRole('button', { name: 'Notifications, 0 unread' });
    await goLive();

    // Each notification names its execution's module: the burst's noun.
    push(buildNotification({ id: 101, title: 'Deploy web-1 finished', execution_id: 1, module: 'deploy' }));
    const toasts = screen.getByRole('region', { name: 'Notifications toasts' });
    expect(await within(toasts).findByRole('link', { name: 'Deploy web-1 finished' })).toBeInTheDocument();

    for (let id = 2; id <= 10; id += 1) {
      push(buildNotification({ id: 100 + id, title: `Deploy web-${id} done`, level: id > 8 ? 'error' : 'success', execution_id: id, module: 'deploy' }));
    }
    expect(await within(toasts).findByText('10 deployments finished, 2 failed')).toBeInTheDocument();
    expect(within(toasts).getAllByRole('status')).toHaveLength(1);
    expect(within(toasts).getByRole('link', { name: 'Show the failed ones' })).toHaveAttribute(
      'href',
      '/?status=FAILURE&module=deploy',
    );
    expect(await screen.findByRole('button', { name: 'Notifications, 10 unread' })).toBeInTheDocument();
  });

  it('replaces a toast about the same execution instead of adding one', async () => {
    mockFetch({ 'GET /api/tasks/notifications/unread-count/': { body: { count: 0 } } });
    renderBell();
    await screen.findByRole('button', { name: 'Notifications, 0 unread' });
    await goLive();
    act(() => {
      toast({ tone: 'info', title: 'Cancelling Deploy web-01…', key: 'execution-42' });
    });

    push(buildNotification({ id: 7, title: 'Deploy web-01 was cancelled', level: 'warning', execution_id: 42 }));
    const toasts = screen.getByRole('region', { name: 'Notifications toasts' });
    expect(await within(toasts).findByText('Deploy web-01 was cancelled')).toBeInTheDocument();
    expect(within(toasts).queryByText('Cancelling Deploy web-01…')).not.toBeInTheDocument();
    expect(within(toasts).getAllByRole('status')).toHaveLength(1);
  });

  it('lets an action’s toast replace the notification about the same execution (it came first)', async () => {
    mockFetch({ 'GET /api/tasks/notifications/unread-count/': { body: { count: 0 } } });
    renderBell();
    await screen.findByRole('button', { name: 'Notifications, 0 unread' });
    await goLive();

    push(buildNotification({ id: 8, title: 'Deploy web-01 was cancelled', level: 'warning', execution_id: 42 }));
    const toasts = screen.getByRole('region', { name: 'Notifications toasts' });
    await within(toasts).findByText('Deploy web-01 was cancelled');
    act(() => {
      toast({ tone: 'info', title: 'Deploy web-01 was cancelled', key: 'execution-42' });
    });
    expect(within(toasts).getAllByRole('status')).toHaveLength(1);
  });
});
