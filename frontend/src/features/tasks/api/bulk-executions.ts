import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, ApiError, type QueryParams } from '@/lib/api-client';
import { executionKeys } from '@/lib/executions/keys';
import type { Execution } from '@/types/api';

export type BulkAction = 'cancel' | 'retry' | 'delete';

/** What a bulk action acts on: these ids, or every execution matching the list's filters. */
export type BulkTarget = { ids: number[] } | { filter: QueryParams };

export type BulkInput = { action: BulkAction } & BulkTarget;

/** POST executions/bulk/: 202 with the bulk job's own execution (followed live like any). */
export function bulkExecutions(input: BulkInput): Promise<Execution> {
  return api.post<Execution>('/api/tasks/executions/bulk/', input);
}

export function describeBulkError(error: Error): string {
  if (!(error instanceof ApiError)) return error.message;
  const fields = Object.entries(error.fieldErrors).map(([field, messages]) => `${field}: ${messages.join(' ')}`);
  return fields.length > 0 ? fields.join('; ') : (error.detail ?? error.message);
}

export function useBulkExecutions() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: bulkExecutions,
    onSuccess: (job) => {
      queryClient.setQueryData(executionKeys.detail(job.id), job);
    },
  });
}
