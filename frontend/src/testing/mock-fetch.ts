import { vi } from 'vitest';

export type MockResponse = { status?: number; body?: unknown; headers?: Record<string, string> };
type MockHandler = MockResponse | ((init: RequestInit) => MockResponse);

/** Routes keyed "METHOD /path/"; a request nobody mocked fails the test loudly. */
export type MockRoutes = Record<string, MockHandler>;

export function mockFetch(routes: MockRoutes) {
  const fetchMock = vi.fn((input: RequestInfo | URL, init: RequestInit = {}) => {
    const key = `${(init.method ?? 'GET').toUpperCase()} ${urlOf(input)}`;
    const handler = routes[key];
    if (!handler) return Promise.reject(new Error(`Unmocked fetch: ${key}`));
    const { status = 200, body, headers } = typeof handler === 'function' ? handler(init) : handler;
    return Promise.resolve(jsonResponse(status, body, headers));
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

export function jsonResponse(
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): Response {
  const payload = body === undefined || status === 304 ? null : JSON.stringify(body);
  return new Response(payload, {
    status,
    headers: payload === null ? headers : { 'Content-Type': 'application/json', ...headers },
  });
}

/** The request headers of a fetch call, as a Headers object. */
export function requestHeaders(init: RequestInit | undefined): Headers {
  return new Headers(init?.headers);
}

/** "METHOD url" of each call made to a fetch mock, in order. */
export function fetchCalls(fetchMock: ReturnType<typeof mockFetch>): string[] {
  return fetchMock.mock.calls.map(([input, init]) => `${init?.method ?? 'GET'} ${urlOf(input)}`);
}

function urlOf(input: RequestInfo | URL): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}
