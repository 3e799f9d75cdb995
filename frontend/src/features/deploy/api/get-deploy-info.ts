import { queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

import { DEPLOY_STEPS } from '../steps';

/** GET /api/deploy/info/: which provider runs deployments here, the steps and the limits. */
export type DeployInfo = {
  provider: string;
  provider_description?: string;
  total_steps: number;
  steps: { number: number; title: string; message: string }[];
  max_retries?: number;
  rate?: string;
  simulator_speed?: number;
};

export function getDeployInfo({ signal }: { signal?: AbortSignal } = {}) {
  return api.get<DeployInfo>('/api/deploy/info/', { signal });
}

export function getDeployInfoQueryOptions() {
  return queryOptions({
    queryKey: ['deployments', 'info'],
    queryFn: ({ signal }) => getDeployInfo({ signal }),
    staleTime: Infinity,
  });
}

export function useDeployInfo() {
  return useQuery(getDeployInfoQueryOptions());
}

/** The step titles the server announces, else seed 000's eight. */
export function useDeploySteps(): readonly string[] {
  const info = useDeployInfo();
  const titles = info.data?.steps.map((step) => step.title) ?? [];
  return titles.length > 0 ? titles : DEPLOY_STEPS;
}
