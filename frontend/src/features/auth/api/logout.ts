import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';

import { api, ApiError } from '@/lib/api-client';

import { meQueryKey } from './get-me';

/** An already expired session (401/403) counts as logged out; other failures are real. */
export async function logout(): Promise<void> {
  try {
    await api.post<undefined>('/api/auth/logout/');
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return;
    throw error;
  }
}

type UseLogoutOptions = {
  onSuccess?: () => void;
};

/**
 * Ends the session. What was read for the user is forgotten by the signed-in pages as they
 * unmount (forgetUserData): removed while they were still mounted, their queries were read
 * again at once, without a session (403s in the console).
 */
export function useLogout({ onSuccess }: UseLogoutOptions = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSuccess: () => {
      queryClient.setQueryData(meQueryKey, null);
      onSuccess?.();
    },
  });
}

/** Everything cached but the session itself: nothing read for one user may show to the next. */
export function forgetUserData(queryClient: QueryClient): void {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== meQueryKey[0] });
}
