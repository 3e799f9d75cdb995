import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import { executionKeys, type ExecutionListParams } from '@/lib/executions/keys';
import type { ExecutionCounts } from '@/types/api';

import { executionFilterParams } from './get-executions';

/** GET executions/counts/: per status, module and task name, for the list's filters. */
export function getExecutionCounts(params: ExecutionListParams, { signal }: { signal?: AbortSignal } = {}) {
  return api.get<ExecutionCounts>('/api/tasks/executions/counts/', { params: executionFilterParams(params), signal });
}

/** Read again after a burst of live changes (lib/executions/list-refresh invalidates them). */
export function getExecutionCountsQueryOptions(params: ExecutionListParams) {
  const filters = { ...params, page: undefined, page_size: undefined, ordering: undefined };
  return queryOptions({
    queryKey: executionKeys.counts(filters),
    queryFn: ({ signal }) => getExecutionCounts(filters, { signal }),
    placeholderData: keepPreviousData,
  });
}

export function useExecutionCounts(params: ExecutionListParams) {
  return useQuery(getExecutionCountsQueryOptions(params));
}
