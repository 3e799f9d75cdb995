// lib/: shared code that draws nothing: this fetch wrapper, the query client, formatting, toasts,
// and executions/ and live/.

/**
 * The one fetch wrapper of the app: same-origin session cookies, JSON in and out (a FormData
 * body is sent as multipart), Django's CSRF header on unsafe methods, and an ApiError for
 * every non-2xx answer.
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export type FieldErrors = Record<string, string[]>;

export class ApiError extends Error {
  readonly status: number;
  /** The parsed response body: JSON when the server sent JSON, else the text (or null). */
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    super(errorMessage(status, body));
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }

  /** The server's human-readable `detail`, when it sent one. */
  get detail(): string | undefined {
    return isRecord(this.body) && typeof this.body.detail === 'string'
      ? this.body.detail
      : undefined;
  }

  /**
   * Per-field messages of a validation error, `non_field_errors` included. TaskPulse sends
   * them under `errors` (`{"detail", "errors": {field: [...]}}`); a bare DRF body works too.
   */
  get fieldErrors(): FieldErrors {
    if (!isRecord(this.body)) return {};
    return collectFieldErrors(isRecord(this.body.errors) ? this.body.errors : this.body);
  }

  /**
   * Per-field messages nested under one key of `errors`, as a template launch reports its
   * params: `{"errors": {"params": {"count": ["..."]}}}` gives `{count: ["..."]}`.
   */
  fieldErrorsAt(key: string): FieldErrors {
    if (!isRecord(this.body)) return {};
    const errors = isRecord(this.body.errors) ? this.body.errors : this.body;
    const nested = errors[key];
    return isRecord(nested) ? collectFieldErrors(nested) : {};
  }
}

export type QueryParams = Record<string, string | number | boolean | null | undefined>;

export type RequestOptions = {
  body?: unknown;
  params?: QueryParams;
  headers?: HeadersInit;
  signal?: AbortSignal;
};

export async function request<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const response = await fetch(buildUrl(path, options.params), {
    method,
    credentials: 'same-origin',
    headers: buildHeaders(method, options),
    body: encodeBody(options.body),
    signal: options.signal,
  });
  const body = await parseBody(response);
  if (!response.ok) throw new ApiError(response.status, body);
  return body as T;
}

type MethodOptions = Omit<RequestOptions, 'body'>;

export const api = {
  get: <T>(path: string, options?: MethodOptions) => request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: MethodOptions) =>
    request<T>('POST', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: MethodOptions) =>
    request<T>('PUT', path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: MethodOptions) =>
    request<T>('PATCH', path, { ...options, body }),
  delete: <T>(path: string, options?: MethodOptions) => request<T>('DELETE', path, options),
};

export type Conditional<T> =
  | { notModified: true }
  | { notModified: false; data: T; etag: string | null };

/**
 * A GET that sends `If-None-Match` when an ETag is known and reports a 304 instead of
 * throwing, so pollers pay almost nothing while a resource does not change.
 */
export async function getIfChanged<T>(
  path: string,
  etag: string | null | undefined,
  options: MethodOptions = {},
): Promise<Conditional<T>> {
  const headers = buildHeaders('GET', options);
  if (etag) headers.set('If-None-Match', etag);
  const response = await fetch(buildUrl(path, options.params), {
    method: 'GET',
    credentials: 'same-origin',
    cache: 'no-store',
    headers,
    signal: options.signal,
  });
  if (response.status === 304) return { notModified: true };
  const body = await parseBody(response);
  if (!response.ok) throw new ApiError(response.status, body);
  return { notModified: false, data: body as T, etag: response.headers.get('ETag') };
}

export function getCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

function buildUrl(path: string, params?: QueryParams): string {
  if (!params) return path;
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) search.append(key, String(value));
  }
  const query = search.toString();
  if (!query) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${query}`;
}

/** JSON, except a FormData (a multipart upload), which goes as is. */
function encodeBody(body: unknown): BodyInit | undefined {
  if (body === undefined) return undefined;
  return body instanceof FormData ? body : JSON.stringify(body);
}

function buildHeaders(method: string, options: RequestOptions): Headers {
  const headers = new Headers({ Accept: 'application/json' });
  // A FormData gets its multipart Content-Type, with the boundary, from fetch itself.
  if (options.body !== undefined && !(options.body instanceof FormData)) {
    headers.set('Content-Type', 'application/json');
  }
  if (!SAFE_METHODS.has(method.toUpperCase())) {
    const token = getCookie('csrftoken');
    if (token) headers.set('X-CSRFToken', token);
  }
  new Headers(options.headers).forEach((value, key) => headers.set(key, value));
  return headers;
}

async function parseBody(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 205) return undefined;
  const text = await response.text();
  if (!text) return undefined;
  const contentType = response.headers.get('Content-Type') ?? '';
  if (!contentType.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function errorMessage(status: number, body: unknown): string {
  if (isRecord(body) && typeof body.detail === 'string') return body.detail;
  return `Request failed with status ${status}`;
}

function collectFieldErrors(body: Record<string, unknown>): FieldErrors {
  const errors: FieldErrors = {};
  for (const [field, value] of Object.entries(body)) {
    if (field === 'detail') continue;
    const messages = toMessages(value);
    if (messages.length > 0) errors[field] = messages;
  }
  return errors;
}

function toMessages(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
