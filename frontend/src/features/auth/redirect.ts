export const LOGIN_PATH = '/login';
const REDIRECT_PARAM = 'next';

type PathParts = { pathname: string; search?: string; hash?: string };

/** The login URL that brings the user back to `from` after signing in. */
export function loginPathFor(from: PathParts): string {
  const target = `${from.pathname}${from.search ?? ''}${from.hash ?? ''}`;
  if (target === '/' || from.pathname === LOGIN_PATH) return LOGIN_PATH;
  return `${LOGIN_PATH}?${new URLSearchParams({ [REDIRECT_PARAM]: target }).toString()}`;
}

/**
 * Where to go after login: a path of this site, else `/`.
 *
 * `next` is read the way the browser will read it (the URL parser drops tabs and newlines
 * and takes `\` for `/`), so `/\t/evil.example` or `/.//evil.example` cannot turn into a
 * protocol-relative `//evil.example` on the way to the router.
 */
export function redirectTargetFrom(
  searchParams: URLSearchParams,
  origin: string = window.location.origin,
): string {
  const next = searchParams.get(REDIRECT_PARAM);
  if (!next?.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return '/';
  }
  if (url.origin !== origin || url.pathname.startsWith('//')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
