import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

import type { LoginInput, User } from '../types';

import { meQueryKey } from './get-me';

/** Fetches the CSRF cookie first: Django refuses the login POST without it. */
export async function login(input: LoginInput): Promise<User> {
  await api.get<undefined>('/api/auth/csrf/');
  return api.post<User>('/api/auth/login/', input);
}

type UseLoginOptions = {
  onSuccess?: (user: User) => void;
};

export function useLogin({ onSuccess }: UseLoginOptions = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (user) => {
      queryClient.setQueryData(meQueryKey, user);
      onSuccess?.(user);
    },
  });
}
