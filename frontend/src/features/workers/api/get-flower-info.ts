/** GET /api/tasks/flower-info/ (staff): Flower's reachability, version, dashboard URL, totals. */
import { queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

export type FlowerInfo = {
  available: boolean;
  version: string | null;
  dashboardUrl: string;
  totals: Record<string, number | string>;
};

export const FLOWER_DASHBOARD_URL = '/flower/';

export async function getFlowerInfo({ signal }: { signal?: AbortSignal } = {}): Promise<FlowerInfo> {
  const body = await api.get<Record<string, unknown>>('/api/tasks/flower-info/', { signal });
  const totals = typeof body.totals === 'object' && body.totals !== null ? body.totals : {};
  return {
    available: body.flower !== 'unavailable' && body.flower !== false && body.available !== false,
    version: typeof body.version === 'string' ? body.version : null,
    dashboardUrl: sameOriginPath(body.dashboard_url) ?? FLOWER_DASHBOARD_URL,
    totals: Object.fromEntries(
      Object.entries(totals as Record<string, unknown>).filter(
        (entry): entry is [string, number | string] => typeof entry[1] === 'number' || typeof entry[1] === 'string',
      ),
    ),
  };
}

/** Only a path on this site is linked: Flower itself must never be reached directly. */
function sameOriginPath(value: unknown): string | null {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : null;
}

export function getFlowerInfoQueryOptions() {
  return queryOptions({
    queryKey: ['workers', 'flower-info'],
    queryFn: ({ signal }) => getFlowerInfo({ signal }),
    refetchInterval: 30_000,
  });
}

export function useFlowerInfo() {
  return useQuery(getFlowerInfoQueryOptions());
}
