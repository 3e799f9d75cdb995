// features/workers/api/: the workers, Flower and worker-action endpoints, one module per call.

/**
 * GET /api/tasks/workers/ (staff). The shape is being finalised on the backend (issue 5):
 * this file is the one place that reads it, tolerant of the variants listed below.
 */
import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';

import { api } from '@/lib/api-client';

export type Worker = {
  name: string;
  online: boolean;
  active: number | null;
  processed: number | null;
  failed: number | null;
  /** 1, 5 and 15 minute load averages. */
  load: number[];
  poolSize: number | null;
  queues: string[];
  /** ISO date-time of the last heartbeat. */
  lastHeartbeat: string | null;
};

export type WorkersReport = {
  /** False when Flower is down and the list comes from Celery's own inspect/ping. */
  flowerAvailable: boolean;
  workers: Worker[];
};

type RawWorker = Record<string, unknown>;

export const workersQueryKey = ['workers', 'list'] as const;

export async function getWorkers({ signal, refresh = false }: { signal?: AbortSignal; refresh?: boolean } = {}) {
  const body = await api.get<unknown>('/api/tasks/workers/', {
    params: { refresh: refresh ? 1 : undefined },
    signal,
  });
  return parseWorkersReport(body);
}

export function parseWorkersReport(body: unknown): WorkersReport {
  const record = isRecord(body) ? body : {};
  const list = Array.isArray(body) ? body : Array.isArray(record.workers) ? record.workers : [];
  return {
    flowerAvailable: record.flower !== 'unavailable' && record.flower !== false,
    workers: list.filter(isRecord).map(parseWorker),
  };
}

function parseWorker(raw: RawWorker): Worker {
  const pool = isRecord(raw.pool) ? raw.pool : {};
  return {
    name: typeof raw.name === 'string' ? raw.name : typeof raw.hostname === 'string' ? raw.hostname : '?',
    online: raw.online === true || raw.status === 'online' || raw.status === true,
    active: numberOrNull(raw.active),
    processed: numberOrNull(raw.processed),
    failed: numberOrNull(raw.failed),
    load: loadAverages(raw.loadavg ?? raw.load),
    poolSize: numberOrNull(raw.pool_size ?? raw.concurrency ?? pool['max-concurrency'] ?? pool.max_concurrency),
    queues: Array.isArray(raw.queues) ? raw.queues.map((queue) => (isRecord(queue) ? String(queue.name) : String(queue))) : [],
    lastHeartbeat: heartbeat(raw.last_heartbeat ?? raw.heartbeat),
  };
}

function loadAverages(value: unknown): number[] {
  if (Array.isArray(value)) return value.map(Number).filter(Number.isFinite);
  return typeof value === 'number' ? [value] : [];
}

function heartbeat(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return new Date(value * 1000).toISOString();
  return null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function isRecord(value: unknown): value is RawWorker {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getWorkersQueryOptions() {
  return queryOptions({
    queryKey: workersQueryKey,
    queryFn: ({ signal }) => getWorkers({ signal }),
    refetchInterval: 10_000,
  });
}

export function useWorkers() {
  return useQuery(getWorkersQueryOptions());
}

/** An explicit refresh asks Flower to re-read the workers (`refresh=1`, costly: on demand only). */
export function useRefreshWorkers() {
  const queryClient = useQueryClient();
  const [isRefreshing, setRefreshing] = useState(false);
  const refresh = useCallback(async () => {
    setRefreshing(true);
    try {
      queryClient.setQueryData(workersQueryKey, await getWorkers({ refresh: true }));
    } finally {
      setRefreshing(false);
    }
  }, [queryClient]);
  return { refresh, isRefreshing };
}
