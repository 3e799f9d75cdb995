import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Execution } from '@/types/api';

import { executionKeys } from './keys';

export type LaunchTemplateInput = { templateId: number; params: Record<string, unknown> };

/** POST templates/{id}/launch/: 201 with the new execution; 400 with `errors.params.<field>`. */
export function launchTemplate({ templateId, params }: LaunchTemplateInput): Promise<Execution> {
  return api.post<Execution>(`/api/tasks/templates/${templateId}/launch/`, { params });
}

type UseLaunchTemplateOptions = { onSuccess?: (execution: Execution) => void };

export function useLaunchTemplate({ onSuccess }: UseLaunchTemplateOptions = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: launchTemplate,
    onSuccess: (execution) => {
      queryClient.setQueryData(executionKeys.detail(execution.id), execution);
      void queryClient.invalidateQueries({ queryKey: executionKeys.lists() });
      onSuccess?.(execution);
    },
  });
}
