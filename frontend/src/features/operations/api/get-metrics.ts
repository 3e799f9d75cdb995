/** GET /api/tasks/metrics/ (staff): counts and percentiles per bucket, and per task. */
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

import type { Range } from './get-failures';

export type MetricsFigures = {
  succeeded: number;
  failed: number;
  retried: number;
  cancelled: number;
  runtime_p50: number | null;
  runtime_p95: number | null;
  runtime_p99: number | null;
  wait_p50: number | null;
  wait_p95: number | null;
};

export type MetricsBucket = MetricsFigures & { start: string };
export type MetricsTask = MetricsFigures & {
  name: string;
  module: string;
  failure_rate: number | null;
  runtime_mean: number | null;
};

export type MetricsReport = {
  range: Range;
  bucket_seconds: number;
  buckets: MetricsBucket[];
  tasks: MetricsTask[];
};

export type MetricsFilters = { range: Range; module: string; name: string; queue: string };

export function getMetrics(filters: MetricsFilters, { signal }: { signal?: AbortSignal } = {}) {
  const params = {
    range: filters.range,
    module: filters.module || undefined,
    name: filters.name || undefined,
    queue: filters.queue || undefined,
  };
  return api.get<MetricsReport>('/api/tasks/metrics/', { params, signal });
}

export function getMetricsQueryOptions(filters: MetricsFilters) {
  return queryOptions({
    queryKey: ['operations', 'metrics', filters],
    queryFn: ({ signal }) => getMetrics(filters, { signal }),
    placeholderData: keepPreviousData,
    // The last hour moves minute by minute while work runs: refetch often.
    refetchInterval: filters.range === '1h' ? 5_000 : 60_000,
  });
}

export function useMetrics(filters: MetricsFilters) {
  return useQuery(getMetricsQueryOptions(filters));
}
