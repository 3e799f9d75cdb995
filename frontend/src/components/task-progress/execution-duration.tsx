import { executionDuration } from '@/lib/executions/duration';
import { formatElapsed } from '@/lib/format';
import { useNow } from '@/hooks/use-now';
import type { Execution } from '@/types/api';

type ExecutionDurationProps = {
  execution: Pick<Execution, 'is_active' | 'started_at' | 'finished_at' | 'duration'>;
};

/**
 * The one way an execution's duration is shown: ticking while it runs (every instance reads
 * the same clock), exact once it ended.
 */
export function ExecutionDuration({ execution }: ExecutionDurationProps) {
  const now = useNow(1000, execution.is_active && execution.started_at !== null);
  const seconds = executionDuration(execution, now);
  return <span className="duration">{formatElapsed(seconds, !execution.is_active)}</span>;
}
