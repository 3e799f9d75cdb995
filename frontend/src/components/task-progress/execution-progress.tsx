import { Stat } from '@/components/ui/facts';
import { ProgressRow } from '@/components/ui/progress-row';
import { progressMessage } from '@/lib/executions/progress';
import { progressTone } from '@/lib/executions/status';
import { formatDuration } from '@/lib/format';
import type { Execution } from '@/types/api';

import { ExecutionDuration } from './execution-duration';

type ExecutionProgressProps = {
  execution: Execution;
  label: string;
  showStats: boolean;
  showDetails: boolean;
  /** The error of a failed execution, under the bar; off where the page shows it elsewhere. */
  showError?: boolean;
};

/**
 * The bar, the status message and the counters of an execution. A failed execution's error
 * replaces its last message (which usually says the same), so it is read once.
 */
export function ExecutionProgress({ execution, label, showStats, showDetails, showError = true }: ExecutionProgressProps) {
  const failed = execution.status === 'FAILURE' && !execution.is_active && Boolean(execution.error);
  const message = failed ? '' : progressMessage(execution);
  return (
    <>
      <ExecutionProgressRow execution={execution} label={label} />
      {showStats && message && <p className="progress-message">{message}</p>}
      {failed && showError && (
        <p className="field-error" role="alert">
          {execution.error}
        </p>
      )}
      {showDetails && <ProgressDetails execution={execution} />}
    </>
  );
}

/** The bar of an execution, toned by its status and animated while it runs. */
export function ExecutionProgressRow({ execution, label }: { execution: Execution; label: string }) {
  return (
    <ProgressRow
      value={execution.progress}
      label={`${label} progress`}
      tone={progressTone(execution.status)}
      animated={execution.is_active}
    />
  );
}

function ProgressDetails({ execution }: { execution: Execution }) {
  const remaining = Math.max(
    0,
    execution.total_items - execution.processed_items - execution.failed_items,
  );
  return (
    <dl className="stat-row">
      {execution.total_items > 0 && (
        <>
          <Stat term="Total" value={execution.total_items} />
          <Stat term="Processed" value={execution.processed_items} />
          <Stat term="Failed" value={execution.failed_items} />
          <Stat term="Remaining" value={remaining} />
        </>
      )}
      {execution.is_active && <Stat term="ETA" value={formatDuration(execution.eta_seconds)} />}
      <Stat term="Duration" value={<ExecutionDuration execution={execution} />} />
    </dl>
  );
}
