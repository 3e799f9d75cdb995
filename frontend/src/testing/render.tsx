// testing/: test helpers: rendering with a router and a query client, a fake WebSocket, a fetch
// mock, data factories.

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { createMemoryRouter, RouterProvider, type RouteObject } from 'react-router';

import { LiveClient, type LiveClientOptions } from '@/lib/live/live-client';
import { LiveProvider } from '@/lib/live/live-provider';

import { FakeWebSocket } from './fake-websocket';

export function createTestQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } },
  });
}

/** A live client on a FakeWebSocket (drive it with FakeWebSocket.latest()). */
export function createTestLiveClient(queryClient: QueryClient, options: Partial<LiveClientOptions> = {}) {
  return new LiveClient({
    queryClient,
    url: 'ws://testserver/ws/tasks/',
    createSocket: FakeWebSocket.create,
    random: () => 0.5,
    ...options,
  });
}

type RenderRoutesOptions = {
  initialEntries?: string[];
  queryClient?: QueryClient;
  /** Wraps the routes in a LiveProvider with this client (see createTestLiveClient). */
  live?: LiveClient;
  /** userEvent's timer hook, for tests on fake timers. */
  advanceTimers?: (ms: number) => unknown;
};

/** Renders route objects in a memory router with a fresh query client. */
export function renderRoutes(routes: RouteObject[], options: RenderRoutesOptions = {}) {
  const queryClient = options.queryClient ?? createTestQueryClient();
  const router = createMemoryRouter(routes, { initialEntries: options.initialEntries ?? ['/'] });
  const user = userEvent.setup(options.advanceTimers ? { advanceTimers: options.advanceTimers } : {});
  const content: ReactNode = <RouterProvider router={router} />;
  const result = render(
    <QueryClientProvider client={queryClient}>
      {options.live ? <LiveProvider client={options.live}>{content}</LiveProvider> : content}
    </QueryClientProvider>,
  );
  return { ...result, router, queryClient, user };
}
