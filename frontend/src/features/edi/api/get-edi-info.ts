import { queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

import { ediKeys } from './types';

/** GET /api/edi/info/: the upload limits, who an import locks out, the running import. */
export type EdiInfo = {
  max_files: number;
  max_file_bytes: number;
  /** With their dot: [".edi", ".edifact", ...]. */
  extensions: string[];
  /** "user": one import at a time per user; "global": one at all. */
  lock_scope: string;
  /** Message types read and their directories: {"INVOIC": ["D.96A", "D.01B"]}. */
  message_types: Record<string, string[]>;
  running_job_id: string | null;
};

export function getEdiInfo({ signal }: { signal?: AbortSignal } = {}) {
  return api.get<EdiInfo>('/api/edi/info/', { signal });
}

export function getEdiInfoQueryOptions() {
  return queryOptions({
    queryKey: ediKeys.info(),
    queryFn: ({ signal }) => getEdiInfo({ signal }),
  });
}

export function useEdiInfo() {
  return useQuery(getEdiInfoQueryOptions());
}
