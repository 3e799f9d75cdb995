export const LOGIN_PATH = '/login';
const REDIRECT_PARAM = 'next';

type PathParts = { pathname: string; search?: string; hash?: string };

/** The login URL that brings the user back to `from` after signing in. */
export function loginPathFor(from: PathParts): string {
  const target = `${from.pathname}${from.search ?? ''}${from.hash ?? ''}`;
  if (target === '/' || from.pathname === LOGIN_PATH) return LOGIN_PATH;
  return `${LOGIN_PATH}?${new URLSearchParams({ [REDIRECT_PARAM]: target }).toString()}`;
}

/** Where to go after login: only same-origin paths, never `//host` or `/\host`. */
export function redirectTargetFrom(searchParams: URLSearchParams): string {
  const next = searchParams.get(REDIRECT_PARAM);
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
