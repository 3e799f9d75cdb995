import type { Execution } from '@/types/api';

/** "Step 3 of 8: Powering on VM...", or whichever of the two parts the task reports. */
export function progressMessage(execution: Execution): string {
  const step =
    execution.total_steps > 0 ? `Step ${execution.current_step} of ${execution.total_steps}` : '';
  if (step && execution.message) return `${step}: ${execution.message}`;
  return step || execution.message || (execution.is_active ? 'Waiting for a worker…' : '');
}
