import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, ApiError } from '@/lib/api-client';
import { executionKeys } from '@/lib/executions/keys';
import type { Execution } from '@/types/api';

/** POST executions/{id}/retry/: 201 with the new execution (same arguments); 409 while it runs. */
export function retryExecution(id: number): Promise<Execution> {
  return api.post<Execution>(`/api/tasks/executions/${id}/retry/`);
}

export function describeRetryError(error: Error): string {
  if (error instanceof ApiError) return error.detail ?? error.message;
  return error.message;
}

export function useRetryExecution() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: retryExecution,
    onSuccess: (created, id) => {
      queryClient.setQueryData(executionKeys.detail(created.id), created);
      // The original now lists its retry.
      void queryClient.invalidateQueries({ queryKey: executionKeys.detail(id), exact: true });
      void queryClient.invalidateQueries({ queryKey: executionKeys.lists() });
    },
  });
}
