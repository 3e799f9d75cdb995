import { afterEach, describe, expect, it, vi } from 'vitest';

import { fetchCalls, mockFetch } from '@/testing/mock-fetch';

import { api, ApiError } from './api-client';

function lastInit(fetchMock: ReturnType<typeof mockFetch>): RequestInit {
  const call = fetchMock.mock.lastCall;
  if (!call) throw new Error('fetch was not called');
  return call[1] ?? {};
}

describe('api client', () => {
  afterEach(() => {
    document.cookie = 'csrftoken=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
  });

  it('sends the csrftoken cookie as X-CSRFToken with JSON on POST', async () => {
    document.cookie = 'csrftoken=abc123; path=/';
    const fetchMock = mockFetch({ 'POST /api/things/': { status: 201, body: { id: 1 } } });

    const result = await api.post<{ id: number }>('/api/things/', { name: 'x' });

    expect(result).toEqual({ id: 1 });
    const init = lastInit(fetchMock);
    const headers = new Headers(init.headers);
    expect(headers.get('X-CSRFToken')).toBe('abc123');
    expect(headers.get('Content-Type')).toBe('application/json');
    expect(init.credentials).toBe('same-origin');
    expect(init.body).toBe(JSON.stringify({ name: 'x' }));
  });

  it('sends a FormData as is (multipart), without a JSON Content-Type', async () => {
    document.cookie = 'csrftoken=abc123; path=/';
    const fetchMock = mockFetch({ 'POST /api/uploads/': { status: 202, body: { ok: true } } });
    const form = new FormData();
    form.append('files', new File(['a'], 'a.edi'));
    form.append('files', new File(['b'], 'b.edi'));

    await api.post('/api/uploads/', form);

    const init = lastInit(fetchMock);
    expect(init.body).toBe(form);
    const headers = new Headers(init.headers);
    expect(headers.has('Content-Type')).toBe(false);
    expect(headers.get('X-CSRFToken')).toBe('abc123');
  });

  it('does not send the CSRF header on GET and encodes query params', async () => {
    document.cookie = 'csrftoken=abc123; path=/';
    const fetchMock = mockFetch({ 'GET /api/things/?status=SUCCESS&page=2': { body: [] } });

    await api.get('/api/things/', { params: { status: 'SUCCESS', page: 2, search: undefined } });

    expect(fetchCalls(fetchMock)).toEqual(['GET /api/things/?status=SUCCESS&page=2']);
    expect(new Headers(lastInit(fetchMock).headers).has('X-CSRFToken')).toBe(false);
  });

  it('throws ApiError with status, detail and field errors on 400', async () => {
    mockFetch({
      'POST /api/things/': {
        status: 400,
        body: {
          detail: 'name: This field is required.',
          errors: { name: ['This field is required.'], non_field_errors: ['Nope.'] },
        },
      },
    });

    const error = await api.post('/api/things/', {}).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.message).toBe('name: This field is required.');
    expect(apiError.detail).toBe('name: This field is required.');
    expect(apiError.fieldErrors).toEqual({
      name: ['This field is required.'],
      non_field_errors: ['Nope.'],
    });
  });

  it('returns undefined for 204 No Content', async () => {
    mockFetch({ 'GET /api/auth/csrf/': { status: 204 } });

    await expect(api.get('/api/auth/csrf/')).resolves.toBeUndefined();
  });

  it('keeps a non-JSON error body as text with a generic message', async () => {
    const html = '<h1>Bad Gateway</h1>';
    vi.stubGlobal(
      'fetch',
      vi.fn(() =>
        Promise.resolve(new Response(html, { status: 502, headers: { 'Content-Type': 'text/html' } })),
      ),
    );

    const error = (await api.get('/api/health/').catch((e: unknown) => e)) as ApiError;

    expect(error.status).toBe(502);
    expect(error.body).toBe(html);
    expect(error.detail).toBeUndefined();
    expect(error.message).toBe('Request failed with status 502');
  });
});
