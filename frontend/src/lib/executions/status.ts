import type { ExecutionStatus } from '@/types/api';

const LABELS: Record<ExecutionStatus, string> = {
  PENDING: 'Pending',
  STARTED: 'Started',
  PROGRESS: 'Running',
  RETRY: 'Retrying',
  SUCCESS: 'Success',
  FAILURE: 'Failed',
  REVOKED: 'Cancelled',
};

/** The words a user reads for an execution status (the raw status stays in the title). */
export function statusLabel(status: string): string {
  return LABELS[status as ExecutionStatus] ?? status;
}

/** A cancelled execution is not a failure: someone chose to stop it (a neutral tone). */
export function progressTone(status: string): 'running' | 'success' | 'failure' | 'cancelled' | 'idle' {
  if (status === 'SUCCESS') return 'success';
  if (status === 'FAILURE') return 'failure';
  if (status === 'REVOKED') return 'cancelled';
  if (status === 'PENDING') return 'idle';
  return 'running';
}
