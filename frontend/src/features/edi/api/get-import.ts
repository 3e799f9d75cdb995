import { queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

import { ediKeys, type ImportDetail } from './types';

/** GET /api/edi/imports/{job_id}/: seed 002's progress shape, the counts and every file. */
export function getImport(jobId: string, { signal }: { signal?: AbortSignal } = {}) {
  return api.get<ImportDetail>(`/api/edi/imports/${encodeURIComponent(jobId)}/`, { signal });
}

/**
 * Refetched when the import's execution moves (see useImportLive), not on a timer; it
 * polls every 2 s only while it runs without an execution to follow.
 */
export function getImportQueryOptions(jobId: string) {
  return queryOptions({
    queryKey: ediKeys.importDetail(jobId),
    queryFn: ({ signal }) => getImport(jobId, { signal }),
    staleTime: 0,
  });
}

export function useImport(jobId: string) {
  return useQuery({
    ...getImportQueryOptions(jobId),
    refetchInterval: (query) => {
      const data = query.state.data;
      return data && data.execution_id === null && data.files_pending > 0 ? 2000 : false;
    },
  });
}
