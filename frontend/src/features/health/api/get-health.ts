// features/health/api/: the health endpoint.

import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, ApiError } from '@/lib/api-client';

/** One dependency's check as the backend reports it (a word, a flag or a small object). */
export type HealthCheck = string | number | boolean | null | Record<string, unknown>;

export type Health = {
  status: 'ok' | 'degraded';
  database: HealthCheck;
  redis: HealthCheck;
  workers: number;
  flower: HealthCheck;
};

const HEALTH_REFRESH_MS = 15_000;

/** A degraded backend may answer 503 with the same body: that is a report, not a failure. */
export async function getHealth({ signal }: { signal?: AbortSignal } = {}): Promise<Health> {
  try {
    return await api.get<Health>('/api/health/', { signal });
  } catch (error) {
    if (error instanceof ApiError && error.status === 503 && isHealth(error.body)) {
      return error.body;
    }
    throw error;
  }
}

export function getHealthQueryOptions() {
  return queryOptions({
    queryKey: ['health'],
    queryFn: ({ signal }) => getHealth({ signal }),
    refetchInterval: HEALTH_REFRESH_MS,
  });
}

export function useHealth() {
  return useQuery(getHealthQueryOptions());
}

function isHealth(body: unknown): body is Health {
  return typeof body === 'object' && body !== null && 'status' in body;
}
