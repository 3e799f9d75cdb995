// features/edi/hooks/: following one import live.

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';

import { useLatest } from '@/hooks/use-latest';
import { useTaskProgress } from '@/lib/executions/use-task-progress';
import type { Execution } from '@/types/api';

import { useImport } from '../api/get-import';
import { ediKeys, type ImportDetail } from '../api/types';

/** The per-file list is read again at most this often while the counters move. */
export const DETAIL_REFRESH_MS = 1000;

/** The name of the import's parent task (edi.services.IMPORT_TASK). */
export const IMPORT_TASK = 'edi.import_files';

/**
 * Follows one import. Its parent execution comes live from the tab's live client
 * (useTaskProgress: WebSocket, or REST polling while the socket is down); its detail (the
 * per-file list and counts) is read again when the execution's counters move, at most once
 * every DETAIL_REFRESH_MS, and once more when it ends, which also refreshes the history,
 * the invoices and the suppliers.
 */
export function useImportLive(jobId: string, executionIdHint: number | null = null) {
  const queryClient = useQueryClient();
  const detail = useImport(jobId);
  const executionId = detail.data?.execution_id ?? executionIdHint;
  const progress = useTaskProgress(executionId);
  const execution = progress.execution;

  const done = execution ? execution.processed_items + execution.failed_items : null;
  const detailDone = detail.data?.processed_items ?? null;
  const behind = done !== null && detailDone !== null && done > detailDone;
  useThrottled(behind ? done : null, DETAIL_REFRESH_MS, () => {
    void queryClient.invalidateQueries({ queryKey: ediKeys.importDetail(jobId), exact: true });
  });

  useOnFinish(execution, detail.data, (wasFollowed, detailStale) => {
    if (detailStale) void queryClient.invalidateQueries({ queryKey: ediKeys.importDetail(jobId), exact: true });
    if (!wasFollowed) return;
    void queryClient.invalidateQueries({ queryKey: ediKeys.importLists() });
    void queryClient.invalidateQueries({ queryKey: ediKeys.invoices() });
    void queryClient.invalidateQueries({ queryKey: ediKeys.suppliers() });
    void queryClient.invalidateQueries({ queryKey: ediKeys.info() });
  });

  return { detail, execution, executionError: progress.error };
}

/**
 * Runs `action` when `value` (not null) changes: at once if the last run is older than
 * `intervalMs`, else once at the end of the interval (the trailing run sees the latest).
 */
function useThrottled(value: number | null, intervalMs: number, action: () => void) {
  const latest = useLatest(action);
  const state = useRef<{ last: number; timer: ReturnType<typeof setTimeout> | undefined }>({
    last: 0,
    timer: undefined,
  });
  useEffect(() => {
    const current = state.current;
    if (value === null || current.timer !== undefined) return;
    const run = () => {
      current.timer = undefined;
      current.last = Date.now();
      latest.current();
    };
    const wait = current.last + intervalMs - Date.now();
    if (wait <= 0) run();
    else current.timer = setTimeout(run, wait);
  }, [value, intervalMs, latest]);
  useEffect(() => {
    const current = state.current;
    return () => clearTimeout(current.timer);
  }, []);
}

/**
 * Once per execution, when it is seen finished: `wasFollowed` when it was seen running
 * first (an import that ended while on screen, not an old one opened from the history);
 * `detailStale` when the detail read so far still shows it running.
 */
function useOnFinish(
  execution: Execution | undefined,
  detail: ImportDetail | undefined,
  handler: (wasFollowed: boolean, detailStale: boolean) => void,
) {
  const latest = useLatest(handler);
  const seen = useRef<{ id: number; active: boolean; finished: boolean }>({ id: 0, active: false, finished: false });
  const detailActive = detail !== undefined && (detail.status === 'pending' || detail.status === 'in_progress' || detail.files_pending > 0);
  useEffect(() => {
    if (!execution) return;
    if (seen.current.id !== execution.id) seen.current = { id: execution.id, active: false, finished: false };
    const state = seen.current;
    if (execution.is_active) {
      state.active = true;
      return;
    }
    if (state.finished) return;
    state.finished = true;
    latest.current(state.active, detailActive);
  }, [execution, detailActive, latest]);
}
