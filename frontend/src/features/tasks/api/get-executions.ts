// features/tasks/api/: the execution list, its children, facet counts, export, cancel, retry and
// bulk actions (an execution's detail, logs and launch are shared, in lib/executions).

import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { api, type QueryParams } from '@/lib/api-client';
import { mergeNewerIntoPage } from '@/lib/executions/cache';
import { executionKeys, type ExecutionListParams } from '@/lib/executions/keys';
import type { Execution, Page } from '@/types/api';

/** The query string of the list (and of its counts, export and bulk filter). */
export function executionQueryParams(params: ExecutionListParams): QueryParams {
  return {
    page: params.page && params.page > 1 ? params.page : undefined,
    page_size: params.page_size,
    status: params.status || undefined,
    module: params.module || undefined,
    name: params.name || undefined,
    kind: params.kind || undefined,
    top_level: params.top_level,
    search: params.search || undefined,
    user: params.user === '' ? undefined : params.user,
    active: params.active,
    ordering: params.ordering,
  };
}

/** The filters alone: what counts, export and a bulk action "on everything matching" take. */
export function executionFilterParams(params: ExecutionListParams): QueryParams {
  const paging = new Set(['page', 'page_size', 'ordering']);
  return Object.fromEntries(
    Object.entries(executionQueryParams(params)).filter(
      ([key, value]) => !paging.has(key) && value !== undefined && value !== null,
    ),
  );
}

function listPath(params: ExecutionListParams): string {
  return params.parent === undefined
    ? '/api/tasks/executions/'
    : `/api/tasks/executions/${params.parent}/children/`;
}

export function getExecutions(
  params: ExecutionListParams,
  { signal }: { signal?: AbortSignal } = {},
): Promise<Page<Execution>> {
  return api.get<Page<Execution>>(listPath(params), { params: executionQueryParams(params), signal });
}

/** A page of executions (or of one's children); the live client keeps its items current. */
export function getExecutionsQueryOptions(params: ExecutionListParams) {
  return queryOptions({
    queryKey: executionKeys.list(params),
    queryFn: async ({ signal, client }) =>
      mergeNewerIntoPage(client, await getExecutions(params, { signal })),
    placeholderData: keepPreviousData,
  });
}

export function useExecutions(params: ExecutionListParams, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ ...getExecutionsQueryOptions(params), enabled });
}
