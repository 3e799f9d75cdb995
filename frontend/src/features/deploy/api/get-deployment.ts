import { queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

import { deploymentKeys, type Deployment } from './types';

export function getDeployment(id: number, { signal }: { signal?: AbortSignal } = {}) {
  return api.get<Deployment>(`/api/deploy/deployments/${id}/`, { signal });
}

export function getDeploymentQueryOptions(id: number) {
  return queryOptions({
    queryKey: deploymentKeys.detail(id),
    queryFn: ({ signal }) => getDeployment(id, { signal }),
  });
}

export function useDeployment(id: number) {
  return useQuery(getDeploymentQueryOptions(id));
}
