import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

import { deploymentKeys, type DeploymentAccepted, type DeploymentInput } from './types';

/** POST /api/deploy/deployments/: 202 with the ids to follow; 400 with per-field errors. */
export function createDeployment(input: DeploymentInput): Promise<DeploymentAccepted> {
  return api.post<DeploymentAccepted>('/api/deploy/deployments/', input);
}

export function useCreateDeployment({ onSuccess }: { onSuccess?: (accepted: DeploymentAccepted) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createDeployment,
    onSuccess: (accepted) => {
      void queryClient.invalidateQueries({ queryKey: deploymentKeys.lists() });
      onSuccess?.(accepted);
    },
  });
}
