// components/task-progress/: the live progress card of one execution (bar, message, counters,
// outcome).

import { useEffect, useId, useState, type ReactNode } from 'react';
import { Link } from 'react-router';

import { StatusBadge } from '@/components/ui/status-badge';
import { useTaskProgress, type TaskProgressCallbacks } from '@/lib/executions/use-task-progress';

import { ExecutionProgress } from './execution-progress';

export type TaskProgressProps = TaskProgressCallbacks & {
  executionId: number;
  /** Shown above the bar; the execution's own title by default. */
  title?: string;
  icon?: ReactNode;
  /** Item counters (total, processed, failed, remaining), ETA and duration. */
  showDetails?: boolean;
  /** The status message ("Step 3 of 8: Powering on VM..."). */
  showStats?: boolean;
  autoHideOnComplete?: boolean;
  autoHideDelay?: number;
  /** Adds a link to the execution's page. */
  showLink?: boolean;
  /** A failed task's error under the bar (off where the page shows it already). */
  showError?: boolean;
};

/** A live progress card for one execution, with seed 002's options. */
export function TaskProgress({
  executionId,
  title,
  icon,
  showDetails = true,
  showStats = true,
  autoHideOnComplete = false,
  autoHideDelay = 3000,
  showLink = false,
  showError = true,
  ...callbacks
}: TaskProgressProps) {
  const headingId = useId();
  const { execution, isLoading, error, isSuccess } = useTaskProgress(executionId, callbacks);
  const hidden = useAutoHide(autoHideOnComplete && isSuccess, autoHideDelay);
  if (hidden) return null;

  const heading = title ?? execution?.title ?? execution?.name ?? `Task #${executionId}`;
  return (
    <section className="task-progress" aria-labelledby={headingId}>
      <div className="task-progress-header">
        <h3 id={headingId}>
          {icon && (
            <span className="task-progress-icon" aria-hidden="true">
              {icon}
            </span>
          )}
          {heading}
        </h3>
        {execution && <StatusBadge status={execution.status} />}
      </div>
      {isLoading && <p className="muted">Loading progress…</p>}
      {error && <p className="field-error">Could not read the task: {error.message}</p>}
      {execution && (
        <ExecutionProgress
          execution={execution}
          label={heading}
          showStats={showStats}
          showDetails={showDetails}
          showError={showError}
        />
      )}
      {showLink && (
        <Link to={`/tasks/${executionId}`} className="small-link">
          Open task details
        </Link>
      )}
    </section>
  );
}

function useAutoHide(when: boolean, delayMs: number): boolean {
  const [hidden, setHidden] = useState(false);
  useEffect(() => {
    if (!when) return;
    const timer = setTimeout(() => setHidden(true), delayMs);
    return () => clearTimeout(timer);
  }, [when, delayMs]);
  return hidden;
}
