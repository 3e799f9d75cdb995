/** GET /api/tasks/failures/?range=: failed executions grouped by cause (users: their own). */
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

export const RANGES = ['1h', '24h', '7d', '30d'] as const;
export type Range = (typeof RANGES)[number];

export type FailureGroup = {
  key: string;
  name: string;
  exception: string;
  message: string;
  count: number;
  first_seen: string | null;
  last_seen: string | null;
  sample_execution_id: number;
  sample_error: string;
  users?: { id: number; username: string }[];
  list_filter: Record<string, string>;
};

export type FailuresReport = { range: Range; total: number; groups: FailureGroup[] };

export function getFailures(range: Range, { signal }: { signal?: AbortSignal } = {}) {
  return api.get<FailuresReport>('/api/tasks/failures/', { params: { range }, signal });
}

export function getFailuresQueryOptions(range: Range) {
  return queryOptions({
    queryKey: ['operations', 'failures', range],
    queryFn: ({ signal }) => getFailures(range, { signal }),
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });
}

export function useFailures(range: Range) {
  return useQuery(getFailuresQueryOptions(range));
}
