import { Stat } from '@/components/ui/facts';
import { ProgressRow } from '@/components/ui/progress-row';
import { progressMessage } from '@/lib/executions/progress';
import { progressTone } from '@/lib/executions/status';
import { formatDuration, secondsSince } from '@/lib/format';
import { useNow } from '@/hooks/use-now';
import type { Execution } from '@/types/api';

type ExecutionProgressProps = {
  execution: Execution;
  label: string;
  showStats: boolean;
  showDetails: boolean;
};

export function ExecutionProgress({ execution, label, showStats, showDetails }: ExecutionProgressProps) {
  const finishedBadly = !execution.is_active && execution.status !== 'SUCCESS';
  return (
    <>
      <ExecutionProgressRow execution={execution} label={label} />
      {showStats && <p className="progress-message">{progressMessage(execution)}</p>}
      {finishedBadly && execution.error && (
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
  const now = useNow(1000, execution.is_active);
  const duration = execution.is_active
    ? secondsSince(execution.started_at, now)
    : execution.duration;
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
      <Stat term="Duration" value={formatDuration(duration)} />
    </dl>
  );
}
