/** GET /api/tasks/queues/ (staff): every queue's length, latency, consumers and pause. */
import { queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

export type Queue = {
  name: string;
  length: number | null;
  oldest_age_seconds: number | null;
  consumers: string[];
  paused: boolean;
  paused_at: string | null;
  executions: Record<string, number>;
};

export type QueuesReport = { broker: 'ok' | 'unavailable'; queues: Queue[] };

export const queuesQueryKey = ['operations', 'queues'] as const;

export function getQueues({ signal }: { signal?: AbortSignal } = {}) {
  return api.get<QueuesReport>('/api/tasks/queues/', { signal });
}

export function getQueuesQueryOptions() {
  // Live: lengths and ages move while work runs.
  return queryOptions({ queryKey: queuesQueryKey, queryFn: ({ signal }) => getQueues({ signal }), refetchInterval: 3_000 });
}

export function useQueues() {
  return useQuery(getQueuesQueryOptions());
}
