import { useMutation, useQueryClient } from '@tanstack/react-query';

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

export function useLogout({ onSuccess }: UseLogoutOptions = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSuccess: () => {
      // Nothing cached for the previous user may leak into the next session.
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== meQueryKey[0] });
      queryClient.setQueryData(meQueryKey, null);
      onSuccess?.();
    },
  });
}
