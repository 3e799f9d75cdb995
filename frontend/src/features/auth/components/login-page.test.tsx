import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { fetchCalls, mockFetch } from '@/testing/mock-fetch';
import { renderRoutes } from '@/testing/render';

import { LoginPage } from './login-page';

const user = { id: 3, username: 'ana', is_staff: false };

function renderLogin(initialEntry = '/login') {
  return renderRoutes(
    [
      { path: '/login', element: <LoginPage /> },
      { path: '/', element: <p>Home page</p> },
      { path: '/tasks/:id', element: <p>Task page</p> },
    ],
    { initialEntries: [initialEntry] },
  );
}

describe('LoginPage', () => {
  it('fetches the CSRF cookie, submits the credentials and goes where the user was going', async () => {
    const fetchMock = mockFetch({
      'GET /api/auth/me/': { status: 403, body: { detail: 'Not authenticated.' } },
      'GET /api/auth/csrf/': () => {
        document.cookie = 'csrftoken=tok123; path=/';
        return { status: 204 };
      },
      'POST /api/auth/login/': { body: user },
    });
    const { user: u, router } = renderLogin('/login?next=%2Ftasks%2F7');

    await u.type(await screen.findByLabelText('Username'), 'ana');
    await u.type(screen.getByLabelText('Password'), 's3cret');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByText('Task page')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/tasks/7');
    expect(fetchCalls(fetchMock)).toEqual([
      'GET /api/auth/me/',
      'GET /api/auth/csrf/',
      'POST /api/auth/login/',
    ]);
    const loginInit = fetchMock.mock.calls[2]?.[1];
    expect(loginInit?.body).toBe(JSON.stringify({ username: 'ana', password: 's3cret' }));
    expect(new Headers(loginInit?.headers).get('X-CSRFToken')).toBe('tok123');
  });

  it('goes home, not to another site, when next hides a protocol-relative URL', async () => {
    mockFetch({
      'GET /api/auth/me/': { status: 403, body: { detail: 'Not authenticated.' } },
      'GET /api/auth/csrf/': { status: 204 },
      'POST /api/auth/login/': { body: user },
    });
    const { user: u, router } = renderLogin('/login?next=/%09/evil.example');

    await u.type(await screen.findByLabelText('Username'), 'ana');
    await u.type(screen.getByLabelText('Password'), 's3cret');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByText('Home page')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/');
  });

  it('shows the API error on bad credentials and stays on the page', async () => {
    mockFetch({
      'GET /api/auth/me/': { status: 401, body: { detail: 'Not authenticated.' } },
      'GET /api/auth/csrf/': { status: 204 },
      'POST /api/auth/login/': {
        status: 400,
        body: { detail: 'Invalid username or password.' },
      },
    });
    const { user: u, router } = renderLogin();

    await u.type(await screen.findByLabelText('Username'), 'ana');
    await u.type(screen.getByLabelText('Password'), 'wrong');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('Invalid username or password.');
    expect(router.state.location.pathname).toBe('/login');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  });

  it('marks the fields the API rejected', async () => {
    mockFetch({
      'GET /api/auth/me/': { status: 403 },
      'GET /api/auth/csrf/': { status: 204 },
      'POST /api/auth/login/': { status: 400, body: { password: ['This field is required.'] } },
    });
    const { user: u } = renderLogin();

    await u.type(await screen.findByLabelText('Username'), 'ana');
    await u.type(screen.getByLabelText('Password'), ' ');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));

    const password = screen.getByLabelText('Password');
    expect(await screen.findByText('This field is required.')).toBeInTheDocument();
    expect(password).toHaveAttribute('aria-invalid', 'true');
    expect(password).toHaveAccessibleDescription('This field is required.');
  });

  it('sends an already signed-in user straight on', async () => {
    mockFetch({ 'GET /api/auth/me/': { body: user } });
    const { router } = renderLogin();

    expect(await screen.findByText('Home page')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/');
  });
});
