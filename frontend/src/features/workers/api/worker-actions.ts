/**
 * Staff actions on a worker: POST /api/tasks/workers/<name>/<action>/ (proxied to Flower and
 * audited by the backend). Every action and its body is declared here and nowhere else.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

import { workersQueryKey } from './get-workers';

export type WorkerAction = 'pool-grow' | 'pool-shrink' | 'shutdown';

type ActionSpec = { label: string; body?: Record<string, unknown>; danger: boolean; confirm: string };

export const WORKER_ACTIONS: Record<WorkerAction, ActionSpec> = {
  'pool-grow': {
    label: 'Grow pool',
    body: { n: 1 },
    danger: false,
    confirm: 'Add one process to the pool of',
  },
  'pool-shrink': {
    label: 'Shrink pool',
    body: { n: 1 },
    danger: false,
    confirm: 'Remove one process from the pool of',
  },
  shutdown: {
    label: 'Shut down',
    danger: true,
    confirm: 'Shut down',
  },
};

export type WorkerActionInput = { worker: string; action: WorkerAction };

export function runWorkerAction({ worker, action }: WorkerActionInput): Promise<unknown> {
  const path = `/api/tasks/workers/${encodeURIComponent(worker)}/${action}/`;
  return api.post<unknown>(path, WORKER_ACTIONS[action].body ?? {});
}

export function useWorkerAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: runWorkerAction,
    onSettled: () => queryClient.invalidateQueries({ queryKey: workersQueryKey }),
  });
}
