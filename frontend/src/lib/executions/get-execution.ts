import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, getIfChanged } from '@/lib/api-client';
import type { Execution } from '@/types/api';

import { newerOf } from './cache';
import { executionKeys } from './keys';

const executionPath = (id: number) => `/api/tasks/executions/${id}/`;

export function getExecution(id: number, { signal }: { signal?: AbortSignal } = {}) {
  return api.get<Execution>(executionPath(id), { signal });
}

/** The detail unless it is still the one `etag` names (polling reads it every 2 s). */
export function getExecutionIfChanged(
  id: number,
  etag: string | undefined,
  { signal }: { signal?: AbortSignal } = {},
) {
  return getIfChanged<Execution>(executionPath(id), etag, { signal });
}

/**
 * The detail of one execution. The live client keeps it current; a refetch that answers
 * with an older `seq` than the cache already holds (a WebSocket event overtook it) keeps
 * the cached one, so progress never goes backwards.
 */
export function getExecutionQueryOptions(id: number) {
  return queryOptions({
    queryKey: executionKeys.detail(id),
    queryFn: async ({ signal, client }) => {
      const fetched = await getExecution(id, { signal });
      return newerOf(client.getQueryData<Execution>(executionKeys.detail(id)), fetched);
    },
  });
}

export function useExecution(id: number, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ ...getExecutionQueryOptions(id), enabled: enabled && id > 0 });
}
