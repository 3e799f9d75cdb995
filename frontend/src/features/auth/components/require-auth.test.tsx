import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { mockFetch } from '@/testing/mock-fetch';
import { renderRoutes } from '@/testing/render';

import { RequireAuth } from './require-auth';

function renderGuarded(initialEntry: string) {
  return renderRoutes(
    [
      { path: '/login', element: <p>Login page</p> },
      {
        path: '/tasks/:id',
        element: (
          <RequireAuth>
            <p>Secret task</p>
          </RequireAuth>
        ),
      },
    ],
    { initialEntries: [initialEntry] },
  );
}

describe('RequireAuth', () => {
  it.each([401, 403])('redirects an anonymous user (%i) to /login with the way back', async (status) => {
    mockFetch({ 'GET /api/auth/me/': { status, body: { detail: 'Not authenticated.' } } });
    const { router } = renderGuarded('/tasks/7?tab=logs');

    expect(await screen.findByText('Login page')).toBeInTheDocument();
    expect(screen.queryByText('Secret task')).not.toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(router.state.location.search).toBe('?next=%2Ftasks%2F7%3Ftab%3Dlogs');
  });

  it.each([
    ['204', { status: 204 }],
    ['200 null', { body: null }],
  ])('reads an anonymous answer without error status (%s) as signed out', async (_name, answer) => {
    mockFetch({ 'GET /api/auth/me/': answer });
    renderGuarded('/tasks/7');

    expect(await screen.findByText('Login page')).toBeInTheDocument();
  });

  it('renders the page for a signed-in user', async () => {
    mockFetch({ 'GET /api/auth/me/': { body: { id: 1, username: 'ana', is_staff: false } } });
    renderGuarded('/tasks/7');

    expect(await screen.findByText('Secret task')).toBeInTheDocument();
  });

  it('shows an error with a retry instead of redirecting when the API fails', async () => {
    mockFetch({ 'GET /api/auth/me/': { status: 500, body: { detail: 'Server error.' } } });
    const { router } = renderGuarded('/tasks/7');

    expect(await screen.findByRole('alert')).toHaveTextContent('Server error.');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/tasks/7');
  });
});
