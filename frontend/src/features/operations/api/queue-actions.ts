/** POST /api/tasks/queues/<name>/pause/ and .../resume/ (staff, audited). */
import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

import { queuesQueryKey } from './get-queues';

export type QueueAction = 'pause' | 'resume';
export type QueueActionInput = { queue: string; action: QueueAction };

export function runQueueAction({ queue, action }: QueueActionInput): Promise<unknown> {
  return api.post<unknown>(`/api/tasks/queues/${encodeURIComponent(queue)}/${action}/`, {});
}

export function useQueueAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: runQueueAction,
    onSettled: () => queryClient.invalidateQueries({ queryKey: queuesQueryKey }),
  });
}
