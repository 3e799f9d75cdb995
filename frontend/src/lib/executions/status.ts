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

export function progressTone(status: string): 'running' | 'success' | 'failure' | 'idle' {
  if (status === 'SUCCESS') return 'success';
  if (status === 'FAILURE' || status === 'REVOKED') return 'failure';
  if (status === 'PENDING') return 'idle';
  return 'running';
}
