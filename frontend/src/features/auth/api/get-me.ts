// features/auth/api/: the session endpoints (me, login, logout), one module per call.

import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, ApiError } from '@/lib/api-client';

import type { User } from '../types';

export const meQueryKey = ['auth', 'me'] as const;

/**
 * The signed-in user, or null when the session is anonymous: the API answers 401 or 403
 * (or, without an error status the browser would log, 204 or 200 with `null`).
 */
export async function getMe({ signal }: { signal?: AbortSignal } = {}): Promise<User | null> {
  try {
    return (await api.get<User | null | undefined>('/api/auth/me/', { signal })) ?? null;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return null;
    throw error;
  }
}

export function getMeQueryOptions() {
  return queryOptions({
    queryKey: meQueryKey,
    queryFn: ({ signal }) => getMe({ signal }),
  });
}

export function useMe() {
  return useQuery(getMeQueryOptions());
}

/** The signed-in user, for pages under RequireAuth (which renders only once it is known). */
export function useCurrentUser() {
  const me = useMe();
  if (!me.data) throw new Error('useCurrentUser needs a signed-in user (use it under RequireAuth)');
  return me.data;
}
