import type { Execution } from '@/types/api';

import type { ImportDetail, ImportStatus } from './api/types';

export type GaugeState = {
  phase: ImportStatus;
  total: number;
  /** Files done, failed ones included (seed 002's processed_items). */
  done: number;
  failed: number;
  percent: number;
  startedAt: string | null;
  duration: number | null;
  /** The running message, or the final one ("Import finished: 50 files, 5 failed"). */
  message: string;
};

const PHASES: Record<string, ImportStatus> = {
  PENDING: 'pending',
  STARTED: 'in_progress',
  PROGRESS: 'in_progress',
  RETRY: 'in_progress',
  SUCCESS: 'completed',
  FAILURE: 'failed',
  REVOKED: 'cancelled',
};

/**
 * One view of an import from its two sources: the live execution (which counts successes
 * and failures apart) and the detail (seed 002's shape, where processed counts both). The
 * counts take the larger of the two so the gauge never goes backwards.
 */
export function gaugeState(detail: ImportDetail | undefined, execution: Execution | undefined, filesHint = 0): GaugeState {
  const liveDone = execution ? execution.processed_items + execution.failed_items : 0;
  const total = Math.max(detail?.total_items ?? 0, execution?.total_items ?? 0, filesHint);
  const done = Math.min(total || Infinity, Math.max(liveDone, detail?.processed_items ?? 0));
  const failed = Math.max(execution?.failed_items ?? 0, detail?.failed_items ?? 0);
  const phase = execution ? (PHASES[execution.status] ?? 'in_progress') : (detail?.status ?? 'pending');
  const finished = phase === 'completed' || phase === 'failed' || phase === 'cancelled';
  let message = execution?.message || detail?.current_message || '';
  if (execution?.is_active === false && execution.error && phase !== 'completed') message = execution.error;
  if (phase === 'completed' && !message) message = `Import finished: ${total} files, ${failed} failed`;
  return {
    phase,
    total,
    done,
    failed,
    percent: finished && phase === 'completed' ? 100 : total > 0 ? Math.floor((100 * done) / total) : 0,
    startedAt: execution?.started_at ?? detail?.started_at ?? null,
    duration: execution?.duration ?? detail?.duration ?? null,
    message,
  };
}
