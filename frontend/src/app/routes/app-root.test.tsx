import { act, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import { RequireAuth } from '@/features/auth/components/require-auth';
import { buildPage } from '@/testing/factories';
import { FakeWebSocket } from '@/testing/fake-websocket';
import { fetchCalls, mockFetch } from '@/testing/mock-fetch';
import { renderRoutes } from '@/testing/render';

import { AppRoot } from './app-root';
import { TasksRoute } from './tasks';
import { WorkersRoute } from './workers';

function renderShell(user: { id: number; username: string; is_staff: boolean }, initial = '/') {
  mockFetch({
    'GET /api/auth/me/': { body: user },
    'GET /api/tasks/notifications/unread-count/': { body: { count: 0 } },
    'GET /api/tasks/executions/?page_size=25&top_level=true&ordering=running_first': { body: buildPage([]) },
    'GET /api/tasks/executions/?page_size=25&top_level=true&user=1&ordering=running_first': { body: buildPage([]) },
    'GET /api/tasks/executions/counts/?top_level=true': { body: { status: {}, module: {}, name: {} } },
    'GET /api/tasks/executions/counts/?top_level=true&user=1': { body: { status: {}, module: {}, name: {} } },
  });
  vi.stubGlobal('WebSocket', FakeWebSocket);
  return renderRoutes(
    [
      {
        element: (
          <RequireAuth>
            <AppRoot />
          </RequireAuth>
        ),
        children: [
          { index: true, element: <TasksRoute /> },
          { path: 'workers', element: <WorkersRoute /> },
        ],
      },
      { path: '/login', element: <p>Login page</p> },
    ],
    { initialEntries: [initial] },
  );
}

beforeEach(() => {
  FakeWebSocket.reset();
});

describe('AppRoot', () => {
  it('shows the user, the connection state and the bell; workers only for staff', async () => {
    renderShell({ id: 3, username: 'ana', is_staff: false });
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getAllByRole('link').map((link) => link.textContent)).toEqual([
      'Tasks',
      'Templates',
      'Deploy',
      'EDI',
      'Stats',
      'Failures',
    ]);
    expect(screen.getByText('ana')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Notifications, 0 unread' })).toBeInTheDocument();
    const badge = () => document.querySelector('.connection-badge');
    expect(badge()).toHaveTextContent('Reconnecting...');

    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    expect(FakeWebSocket.latest().url).toBe(`ws://${window.location.host}/ws/tasks/`);
    act(() => FakeWebSocket.latest().open());
    expect(badge()).toHaveTextContent('Live');

    act(() => FakeWebSocket.latest().serverClose(1006));
    expect(badge()).toHaveTextContent('Reconnecting...');
    await waitFor(() => expect(badge()).toHaveTextContent('Offline: polling'), { timeout: 4000 });
  });

  it('lists Workers for staff', async () => {
    renderShell({ id: 1, username: 'admin', is_staff: true });
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Workers' })).toHaveAttribute('href', '/workers');
  });

  it('refuses the workers page to a non-staff user who types its address', async () => {
    renderShell({ id: 3, username: 'ana', is_staff: false }, '/workers');
    expect(await screen.findByRole('heading', { name: 'Workers are for administrators' })).toBeInTheDocument();
  });

  it('sends the user to the login page when the socket says the session is gone (4401)', async () => {
    const { router } = renderShell({ id: 3, username: 'ana', is_staff: false });
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    mockFetch({
      'GET /api/auth/me/': { status: 403, body: { detail: 'Not authenticated.' } },
      'GET /api/tasks/notifications/unread-count/': { body: { count: 0 } },
    });
    act(() => FakeWebSocket.latest().serverClose(4401));

    await waitFor(() => expect(router.state.location.pathname).toBe('/login'));
  });

  it('logs out without another request for the signed-in pages', async () => {
    const { router, queryClient } = renderShell({ id: 3, username: 'ana', is_staff: false });
    expect(await screen.findByRole('button', { name: 'Notifications, 0 unread' })).toBeInTheDocument();
    const refused = { status: 403, body: { detail: 'Authentication credentials were not provided.' } };
    const after = mockFetch({
      'POST /api/auth/logout/': { status: 204 },
      'GET /api/auth/me/': { body: null },
      'GET /api/tasks/notifications/unread-count/': refused,
      'GET /api/tasks/executions/?page_size=25&top_level=true&ordering=running_first': refused,
      'GET /api/tasks/executions/counts/?top_level=true': refused,
    });

    act(() => screen.getByRole('button', { name: 'Log out' }).click());

    await waitFor(() => expect(router.state.location.pathname).toBe('/login'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fetchCalls(after)).toEqual(['POST /api/auth/logout/']);
    // Nothing read for ana is left for the next user.
    expect(queryClient.getQueryCache().getAll().map((query) => query.queryKey)).toEqual([['auth', 'me']]);
  });
});
