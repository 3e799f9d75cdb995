import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, ApiError } from '@/lib/api-client';
import { patchExecution } from '@/lib/executions/cache';
import { executionKeys } from '@/lib/executions/keys';

/** `status`: "REVOKED" (it had not started) or "cancelling" (it stops at its next checkpoint). */
export type CancelResult = { status: string };

/** POST cancel/{id}/: 202 `{status}`; 409 when the execution already finished. */
export function cancelExecution(id: number): Promise<CancelResult> {
  return api.post<CancelResult>(`/api/tasks/cancel/${id}/`);
}

export function describeCancelError(error: Error): string {
  if (error instanceof ApiError && error.status === 409) {
    return error.detail ?? 'The task already finished.';
  }
  return error.message;
}

export function useCancelExecution() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: cancelExecution,
    onSuccess: (_result, id) => {
      // The server's next state (live or polled) confirms it; until then no second cancel.
      patchExecution(queryClient, id, { can_cancel: false, cancel_requested: true });
    },
    onError: (_error, id) => {
      void queryClient.invalidateQueries({ queryKey: executionKeys.detail(id) });
    },
  });
}
