import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Page } from '@/types/api';

import { deploymentKeys, type Deployment } from './types';

export const DEPLOYMENTS_PAGE_SIZE = 10;

/** The user's deployments (staff: all), newest first; a bare list is read as one page. */
export async function getDeployments(page: number, { signal }: { signal?: AbortSignal } = {}) {
  const body = await api.get<Page<Deployment> | Deployment[]>('/api/deploy/deployments/', {
    params: { page: page > 1 ? page : undefined, page_size: DEPLOYMENTS_PAGE_SIZE },
    signal,
  });
  if (Array.isArray(body)) return { count: body.length, next: null, previous: null, results: body };
  return body;
}

export function getDeploymentsQueryOptions(page: number) {
  return queryOptions({
    queryKey: deploymentKeys.list(page),
    queryFn: ({ signal }) => getDeployments(page, { signal }),
    placeholderData: keepPreviousData,
  });
}

export function useDeployments(page: number) {
  return useQuery(getDeploymentsQueryOptions(page));
}
