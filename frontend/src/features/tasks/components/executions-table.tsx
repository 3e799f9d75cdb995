import { Link } from 'react-router';

import { ExecutionProgressRow } from '@/components/task-progress/execution-progress';
import { DataTable, type Column } from '@/components/ui/data-table';
import type { PaginationProps } from '@/components/ui/pagination';
import { StatusBadge } from '@/components/ui/status-badge';
import { progressMessage } from '@/lib/executions/progress';
import { formatDateTime, formatDuration, secondsSince } from '@/lib/format';
import { useNow } from '@/hooks/use-now';
import type { Execution } from '@/types/api';

import { CancelButton } from './cancel-button';
import { RetryButton } from './retry-button';

type ExecutionsTableProps = {
  executions: Execution[];
  showUser: boolean;
  caption: string;
  pagination?: PaginationProps;
};

function columns(showUser: boolean): Column[] {
  return [
    'Task',
    ...(showUser ? ['User'] : []),
    'Status',
    { label: 'Progress', className: 'col-progress' },
    'ETA',
    'Duration',
    'Created',
    { label: 'Actions', hidden: true },
  ];
}

/** One row per execution; on a phone each row becomes a card (see .responsive-table). */
export function ExecutionsTable({ executions, showUser, caption, pagination }: ExecutionsTableProps) {
  const now = useNow(1000, executions.some((execution) => execution.is_active));
  return (
    <DataTable caption={caption} columns={columns(showUser)} pagination={pagination}>
      {executions.map((execution) => (
        <ExecutionRow key={execution.id} execution={execution} showUser={showUser} now={now} />
      ))}
    </DataTable>
  );
}

function ExecutionRow({ execution, showUser, now }: { execution: Execution; showUser: boolean; now: number }) {
  const label = execution.title || execution.name;
  const duration = execution.is_active ? secondsSince(execution.started_at, now) : execution.duration;
  return (
    <tr data-testid={`execution-${execution.id}`}>
      <td data-label="Task">
        <Link to={`/tasks/${execution.id}`} className="task-link">
          {label}
        </Link>
        <div className="muted small">
          #{execution.id} · {execution.module || '—'} · {execution.name}
        </div>
      </td>
      {showUser && <td data-label="User">{execution.user?.username ?? '—'}</td>}
      <td data-label="Status">
        <StatusBadge status={execution.status} />
        {execution.attempt > 1 && <div className="muted small">attempt {execution.attempt}</div>}
      </td>
      <td data-label="Progress" className="col-progress">
        <ExecutionProgressRow execution={execution} label={label} />
        <div className="small progress-message">{progressMessage(execution)}</div>
        {execution.total_items > 0 && (
          <div className="muted small">
            {execution.processed_items} of {execution.total_items} items
            {execution.failed_items > 0 && `, ${execution.failed_items} failed`}
          </div>
        )}
      </td>
      <td data-label="ETA">{execution.is_active ? formatDuration(execution.eta_seconds) : '—'}</td>
      <td data-label="Duration">{formatDuration(duration)}</td>
      <td data-label="Created">
        <time dateTime={execution.created_at}>{formatDateTime(execution.created_at)}</time>
      </td>
      <td data-label="Actions" className="row-actions">
        <div>
          <CancelButton execution={execution} small />
          <RetryButton execution={execution} small />
        </div>
      </td>
    </tr>
  );
}
