import { useId, useState } from 'react';
import { Link } from 'react-router';

import { LogPanel } from '@/components/log-panel/log-panel';
import { ExecutionProgress } from '@/components/task-progress/execution-progress';
import { Alert } from '@/components/ui/alert';
import { Facts, type Fact } from '@/components/ui/facts';
import { Loading } from '@/components/ui/loading';
import { StatusBadge } from '@/components/ui/status-badge';
import { StepChecklist } from '@/components/ui/step-checklist';
import { ApiError } from '@/lib/api-client';
import { stepStates } from '@/lib/executions/steps';
import { useTaskProgress } from '@/lib/executions/use-task-progress';
import { formatDateTime, formatDuration } from '@/lib/format';
import type { Execution } from '@/types/api';

import { CancelButton } from './cancel-button';
import { RetryButton } from './retry-button';

type ExecutionDetailProps = { executionId: number };

/** `/tasks/:id`: everything about one execution, its steps, its outcome and its live log. */
export function ExecutionDetail({ executionId }: ExecutionDetailProps) {
  const { execution, isLoading, error } = useTaskProgress(executionId);
  const stepMessages = useStepMessages(execution);

  if (isLoading) return <Loading label="Loading the task…" />;
  if (!execution) {
    const notFound = error instanceof ApiError && error.status === 404;
    return (
      <Alert>
        {notFound ? `Task #${executionId} does not exist or is not yours.` : `Could not load the task: ${error?.message ?? ''}`}
      </Alert>
    );
  }
  const label = execution.title || execution.name;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Tasks</Link> <span aria-hidden="true">/</span> <span>#{execution.id}</span>
      </nav>
      <div className="page-header">
        <h1 className="page-title">
          {label} <StatusBadge status={execution.status} />
        </h1>
        <div className="page-actions">
          {execution.is_active && <CancelButton execution={execution} />}
          <RetryButton execution={execution} />
        </div>
      </div>
      <section className="panel" aria-label="Progress">
        <ExecutionProgress execution={execution} label={label} showStats showDetails />
        {execution.total_steps > 0 && (
          <StepChecklist
            label="Steps"
            steps={stepStates(execution).map((state, index) => ({
              label: `Step ${index + 1}`,
              state,
              detail: stepMessages[index + 1],
            }))}
          />
        )}
      </section>
      <Outcome execution={execution} />
      <ExecutionFacts execution={execution} />
      <LogPanel executionId={execution.id} />
    </>
  );
}

const OUTCOME_HEADINGS: Partial<Record<Execution['status'], string>> = {
  SUCCESS: 'Result',
  REVOKED: 'Cancelled',
};

function Outcome({ execution }: { execution: Execution }) {
  if (execution.is_active) return null;
  const headingId = `outcome-${execution.id}`;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{OUTCOME_HEADINGS[execution.status] ?? 'Error'}</h2>
      {execution.error && (
        <pre className="code-block code-error" role="alert">
          {execution.error}
        </pre>
      )}
      {execution.status === 'SUCCESS' && <JsonBlock value={execution.result} />}
      {execution.status === 'REVOKED' && !execution.error && <p>The task was cancelled.</p>}
      {execution.traceback && (
        <details>
          <summary>Traceback</summary>
          <pre className="code-block">{execution.traceback}</pre>
        </details>
      )}
    </section>
  );
}

function JsonBlock({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <p className="muted">No result value.</p>;
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return <pre className="code-block">{text}</pre>;
}

function ExecutionFacts({ execution }: { execution: Execution }) {
  const headingId = useId();
  const facts: Fact[] = [
    ['Execution', `#${execution.id}`],
    ['Celery task id', <code key="task">{execution.task_id}</code>],
    ['Task name', execution.name],
    ['Module', execution.module || '—'],
    ['User', execution.user?.username ?? '—'],
    ['Worker', execution.worker ?? '—'],
    ['Attempt', execution.attempt],
    ['Cancel requested', execution.cancel_requested ? 'yes' : 'no'],
    ['Items', `${execution.processed_items} processed, ${execution.failed_items} failed of ${execution.total_items}`],
    ['Created', formatDateTime(execution.created_at)],
    ['Started', formatDateTime(execution.started_at)],
    ['Finished', formatDateTime(execution.finished_at)],
    ['Duration', formatDuration(execution.duration)],
    ['Parent', execution.parent_id ? <Link key="parent" to={`/tasks/${execution.parent_id}`}>#{execution.parent_id}</Link> : '—'],
    ['Template', execution.template_id ? `#${execution.template_id}` : '—'],
    ['Sequence', execution.seq],
  ];
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Details</h2>
      <Facts facts={facts} />
    </section>
  );
}

/** The message each step showed while it ran, as seen on this page. */
function useStepMessages(execution: Execution | undefined): Record<number, string> {
  const [messages, setMessages] = useState<Record<number, string>>({});
  const [seen, setSeen] = useState('');
  const key = execution ? `${execution.id}:${execution.current_step}:${execution.message}` : '';
  if (execution && key !== seen) {
    setSeen(key);
    const { current_step: step, message } = execution;
    if (step > 0 && message) setMessages((current) => ({ ...current, [step]: message }));
  }
  return messages;
}
