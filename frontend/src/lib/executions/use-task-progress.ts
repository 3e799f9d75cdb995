import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';

import { useLatest } from '@/hooks/use-latest';
import { useLiveClient, useWatchExecution } from '@/lib/live/live-context';
import type { Execution } from '@/types/api';

import { getExecutionQueryOptions } from './get-execution';

/** The error given to `onError` when the task itself ended badly (failed or cancelled). */
export class TaskFailedError extends Error {
  readonly execution: Execution;

  constructor(execution: Execution) {
    super(
      execution.status === 'REVOKED'
        ? 'The task was cancelled.'
        : execution.error || execution.message || 'The task failed.',
    );
    this.name = 'TaskFailedError';
    this.execution = execution;
  }
}

export type TaskProgressCallbacks = {
  /** Once, when the task is first seen started on a worker. */
  onStart?: (execution: Execution) => void;
  /** At each new state of a running task. */
  onProgress?: (execution: Execution) => void;
  /** Once, when the task succeeded. */
  onComplete?: (execution: Execution) => void;
  /** Once, when the task failed or was cancelled, or the execution cannot be read. */
  onError?: (error: Error, execution?: Execution) => void;
};

const FALLBACK_POLL_MS = 2000;

/**
 * Follows one execution live: the React counterpart of seed 002's ProgressPolling. The live
 * client keeps the state current (WebSocket, or REST polling while the socket is down);
 * without a live client the hook polls every 2 s itself while the task runs.
 */
export function useTaskProgress(executionId: number | null | undefined, callbacks: TaskProgressCallbacks = {}) {
  const id = executionId ?? 0;
  const live = useLiveClient();
  useWatchExecution(executionId);
  const query = useQuery({
    ...getExecutionQueryOptions(id),
    enabled: id > 0,
    refetchInterval: (current) =>
      !live && current.state.data?.is_active ? FALLBACK_POLL_MS : false,
  });
  useProgressCallbacks(id, query.data, query.error, callbacks);

  const execution = query.data;
  return {
    execution,
    isLoading: query.isPending && id > 0,
    error: query.error,
    status: execution?.status,
    progress: execution?.progress ?? 0,
    isActive: execution?.is_active ?? false,
    isSuccess: execution?.status === 'SUCCESS',
    isFailed: execution !== undefined && !execution.is_active && execution.status !== 'SUCCESS',
  };
}

function useProgressCallbacks(
  id: number,
  execution: Execution | undefined,
  error: Error | null,
  callbacks: TaskProgressCallbacks,
) {
  const latest = useLatest(callbacks);
  const seen = useRef({ id, started: false, finished: false, seq: -1, failed: false });

  useEffect(() => {
    if (!execution) return;
    if (seen.current.id !== id) seen.current = { id, started: false, finished: false, seq: -1, failed: false };
    const state = seen.current;
    const { onStart, onProgress, onComplete, onError } = latest.current;
    if (!state.started && execution.status !== 'PENDING') {
      state.started = true;
      onStart?.(execution);
    }
    if (execution.seq !== state.seq) {
      state.seq = execution.seq;
      if (execution.is_active) onProgress?.(execution);
    }
    if (!execution.is_active && !state.finished) {
      state.finished = true;
      if (execution.status === 'SUCCESS') onComplete?.(execution);
      else onError?.(new TaskFailedError(execution), execution);
    }
  }, [id, execution, latest]);

  useEffect(() => {
    if (!error || seen.current.failed) return;
    seen.current.failed = true;
    latest.current.onError?.(error);
  }, [error, latest]);
}
