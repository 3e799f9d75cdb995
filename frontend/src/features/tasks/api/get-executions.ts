// features/tasks/api/: the execution list, its CSV export and cancel (an execution's detail, logs
// and launch are shared, in lib/executions).

import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { api, type QueryParams } from '@/lib/api-client';
import { mergeNewerIntoPage } from '@/lib/executions/cache';
import { executionKeys, type ExecutionListParams } from '@/lib/executions/keys';
import type { Execution, Page } from '@/types/api';

export function executionQueryParams(params: ExecutionListParams): QueryParams {
  return {
    page: params.page && params.page > 1 ? params.page : undefined,
    page_size: params.page_size,
    status: params.status || undefined,
    module: params.module || undefined,
    search: params.search || undefined,
    user: params.user === '' ? undefined : params.user,
    active: params.active,
    ordering: params.ordering,
  };
}

export function getExecutions(
  params: ExecutionListParams,
  { signal }: { signal?: AbortSignal } = {},
): Promise<Page<Execution>> {
  return api.get<Page<Execution>>('/api/tasks/executions/', {
    params: executionQueryParams(params),
    signal,
  });
}

/** A page of executions; the live client keeps its items current between fetches. */
export function getExecutionsQueryOptions(params: ExecutionListParams) {
  return queryOptions({
    queryKey: executionKeys.list(params),
    queryFn: async ({ signal, client }) =>
      mergeNewerIntoPage(client, await getExecutions(params, { signal })),
    placeholderData: keepPreviousData,
  });
}

export function useExecutions(params: ExecutionListParams) {
  return useQuery(getExecutionsQueryOptions(params));
}
