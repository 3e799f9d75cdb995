// features/stats/api/: the statistics endpoint.

import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

export type StatsDay = { date: string; total: number; success: number; failure: number };

export type ModuleStats = {
  module: string;
  total: number;
  /** Executions by status (PENDING, SUCCESS, FAILURE, ...). */
  counts: Record<string, number>;
  /** Share of finished executions that succeeded, 0..1; null when none finished. */
  success_rate: number | null;
  /** Seconds. */
  avg_duration: number | null;
  p95_duration: number | null;
  per_day: StatsDay[];
};

export type Stats = { days: number; modules: ModuleStats[] };

export type StatsParams = { days: number; module?: string };

export function getStats({ days, module }: StatsParams, { signal }: { signal?: AbortSignal } = {}) {
  return api.get<Stats>('/api/tasks/stats/', { params: { days, module: module || undefined }, signal });
}

export function getStatsQueryOptions(params: StatsParams) {
  return queryOptions({
    queryKey: ['stats', params],
    queryFn: ({ signal }) => getStats(params, { signal }),
    placeholderData: keepPreviousData,
    // Statistics move slowly; a minute-old view is fine and costs the server little.
    refetchInterval: 60_000,
  });
}

export function useStats(params: StatsParams) {
  return useQuery(getStatsQueryOptions(params));
}
