import { useId, useState, type ReactNode } from 'react';
import { Link } from 'react-router';

import { LogPanel } from '@/components/log-panel/log-panel';
import { ExecutionProgress } from '@/components/task-progress/execution-progress';
import { ExecutionSteps } from '@/components/task-progress/execution-steps';
import { Alert } from '@/components/ui/alert';
import { Facts, type Fact } from '@/components/ui/facts';
import { Loading } from '@/components/ui/loading';
import { QueryPanel } from '@/components/ui/query-panel';
import { StatusBadge } from '@/components/ui/status-badge';
import { ApiError } from '@/lib/api-client';
import { childNoun } from '@/lib/executions/modules';
import { useTaskProgress } from '@/lib/executions/use-task-progress';
import { formatDateTime } from '@/lib/format';
import type { Execution } from '@/types/api';

import { useExecutions } from '../api/get-executions';

import { CancelButton } from './cancel-button';
import { CHILDREN_PAGE_SIZE, ExecutionsTable } from './executions-table';
import { KindBadge } from './kind-badge';
import { RetryButton } from './retry-button';

type ExecutionDetailProps = { executionId: number };

/**
 * `/tasks/:id`: everything about one execution: its named steps, its outcome (the error
 * once, the traceback folded for staff), its children, the arguments it was sent with, its
 * retries and its live log.
 */
export function ExecutionDetail({ executionId }: ExecutionDetailProps) {
  const { execution, isLoading, error } = useTaskProgress(executionId);

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
        <Link to="/">Tasks</Link> <span aria-hidden="true">/</span>{' '}
        {execution.parent_id && (
          <>
            <Link to={`/tasks/${execution.parent_id}`}>#{execution.parent_id}</Link> <span aria-hidden="true">/</span>{' '}
          </>
        )}
        <span>#{execution.id}</span>
      </nav>
      <div className="page-header">
        <h1 className="page-title">
          {label} <StatusBadge status={execution.status} />
        </h1>
        <div className="page-actions">
          <CancelButton execution={execution} />
          <RetryButton execution={execution} />
        </div>
      </div>
      <RetryLinks execution={execution} />
      <section className="panel" aria-label="Progress">
        <ExecutionProgress execution={execution} label={label} showStats showDetails showError={false} />
        <ExecutionSteps execution={execution} />
      </section>
      <Outcome execution={execution} />
      {(execution.children_count ?? 0) > 0 && <ExecutionChildren parent={execution} />}
      <Arguments execution={execution} />
      <ExecutionFacts execution={execution} />
      <LogPanel executionId={execution.id} />
    </>
  );
}

function RetryLinks({ execution }: { execution: Execution }) {
  const retries = execution.retries ?? [];
  if (!execution.retry_of && retries.length === 0) return null;
  return (
    <p className="retry-links">
      {execution.retry_of && (
        <span>
          Retry of <Link to={`/tasks/${execution.retry_of}`}>#{execution.retry_of}</Link>
        </span>
      )}
      {retries.length > 0 && (
        <span>
          Retried as{' '}
          {retries.map((id, index) => (
            <span key={id}>
              {index > 0 && ', '}
              <Link to={`/tasks/${id}`}>#{id}</Link>
            </span>
          ))}
        </span>
      )}
    </p>
  );
}

const OUTCOME_HEADINGS: Partial<Record<Execution['status'], string>> = {
  SUCCESS: 'Result',
  REVOKED: 'Cancelled',
};

/** How it ended: the result, the cancel, or the error, said once (with the staff traceback). */
function Outcome({ execution }: { execution: Execution }) {
  if (execution.is_active) return null;
  const headingId = `outcome-${execution.id}`;
  const failedStep = execution.status === 'FAILURE' && execution.total_steps > 0 ? execution.current_step : 0;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{OUTCOME_HEADINGS[execution.status] ?? 'Error'}</h2>
      {execution.status === 'FAILURE' && (
        <>
          {failedStep > 0 && (
            <p className="muted small">
              Failed at step {failedStep} of {execution.total_steps}
              {stepName(execution, failedStep)}
            </p>
          )}
          <pre className="code-block code-error" role="alert">
            {execution.error || 'The task failed without a message.'}
          </pre>
        </>
      )}
      {execution.status === 'SUCCESS' && <JsonBlock value={execution.result} />}
      {execution.status === 'REVOKED' && <p>{execution.error || 'The task was cancelled.'}</p>}
      {execution.traceback && (
        <details className="traceback">
          <summary>Traceback</summary>
          <pre className="code-block">{execution.traceback}</pre>
        </details>
      )}
    </section>
  );
}

function stepName(execution: Execution, index: number): string {
  const name = execution.steps?.[index - 1]?.name;
  return name && name !== `Step ${index}` ? `: ${name}` : '';
}

function JsonBlock({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <p className="muted">No result value.</p>;
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return <pre className="code-block">{text}</pre>;
}

const CHILD_FILTERS = [
  { value: 'all', label: 'All' },
  { value: 'failed', label: 'Failed' },
  { value: 'active', label: 'Queued or running' },
] as const;

type ChildFilter = (typeof CHILD_FILTERS)[number]['value'];

/** An execution's children (an EDI import's files), paged, live, the failed ones on demand. */
function ExecutionChildren({ parent }: { parent: Execution }) {
  const headingId = useId();
  const filterId = useId();
  const [page, setPage] = useState(1);
  const [show, setShow] = useState<ChildFilter>('all');
  const children = useExecutions({
    parent: parent.id,
    page,
    page_size: CHILDREN_PAGE_SIZE,
    ordering: 'created_at',
    ...(show === 'failed' ? { status: 'FAILURE' as const } : {}),
    ...(show === 'active' ? { active: true } : {}),
  });
  const count = parent.children_count ?? 0;
  const failed = parent.children_failed ?? 0;
  const noun = childNoun(parent.module, count);
  const title = `${noun[0]?.toUpperCase() ?? ''}${noun.slice(1)}`;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <div className="panel-header">
        <h2 id={headingId}>
          {title} ({count}){failed > 0 && <span className="children-failed small"> · {failed} failed</span>}
        </h2>
        <div className="field field-inline">
          <label htmlFor={filterId}>Show</label>
          <select
            id={filterId}
            value={show}
            onChange={(event) => {
              setShow(event.target.value as ChildFilter);
              setPage(1);
            }}
          >
            {CHILD_FILTERS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <QueryPanel
        query={children}
        loading={`Loading the ${noun}…`}
        error={`Could not load the ${noun}`}
        isEmpty={(data) => data.results.length === 0}
        empty={`No ${noun} to show.`}
      >
        {(data) => (
          <ExecutionsTable
            executions={data.results}
            showUser={false}
            caption={`${title} of #${parent.id}`}
            pagination={{ page, pageSize: CHILDREN_PAGE_SIZE, count: data.count, onPageChange: setPage, label: `Pages of the ${noun}` }}
          />
        )}
      </QueryPanel>
    </section>
  );
}

/** What it was sent with (secret-looking values redacted by the server). */
function Arguments({ execution }: { execution: Execution }) {
  const headingId = useId();
  const blocks: [string, unknown][] = [
    ['Parameters', execution.params],
    ['Positional arguments', execution.args],
    ['Keyword arguments', execution.kwargs],
  ];
  const shown = blocks.filter(([, value]) => !isEmptyValue(value));
  if (shown.length === 0 && !execution.arguments_truncated) return null;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Arguments</h2>
      {execution.arguments_truncated && <p className="muted">Too large to show here.</p>}
      {shown.map(([title, value]) => (
        <div key={title} className="argument-block">
          <h3 className="small muted">{title}</h3>
          <pre className="code-block">{JSON.stringify(value, null, 2)}</pre>
        </div>
      ))}
    </section>
  );
}

function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/** The facts that mean something for this execution; internal ones (seq, empty counters) not. */
function ExecutionFacts({ execution }: { execution: Execution }) {
  const headingId = useId();
  const optional: [string, ReactNode, boolean][] = [
    ['Worker', execution.worker, Boolean(execution.worker)],
    ['Attempt', execution.attempt, execution.attempt > 1],
    ['Cancel requested', 'yes, it stops at its next checkpoint', Boolean(execution.cancel_requested) && execution.is_active],
    ['Started', formatDateTime(execution.started_at), Boolean(execution.started_at)],
    ['Finished', formatDateTime(execution.finished_at), Boolean(execution.finished_at)],
    ['Parent', <Link key="parent" to={`/tasks/${execution.parent_id}`}>#{execution.parent_id}</Link>, Boolean(execution.parent_id)],
    ['Template', `#${execution.template_id}`, execution.template_id !== null],
  ];
  const facts: Fact[] = [
    ['Execution', `#${execution.id}`],
    ['Runs on', <KindBadge key="kind" execution={execution} />],
    [execution.kind === 'django' ? 'Task result id' : 'Celery task id', <code key="task">{execution.task_id}</code>],
    ...(execution.kind === 'django' ? [['Backend', execution.backend ?? '—'] as Fact] : []),
    ['Task name', execution.name],
    ['Module', execution.module || '—'],
    ['User', execution.user?.username ?? '—'],
    ['Created', formatDateTime(execution.created_at)],
    ...optional.filter(([, , shown]) => shown).map(([term, value]): Fact => [term, value]),
  ];
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Details</h2>
      <Facts facts={facts} />
    </section>
  );
}
