import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';

import { ExecutionDuration } from '@/components/task-progress/execution-duration';
import { ExecutionProgressRow } from '@/components/task-progress/execution-progress';
import { DataTable, type Column, type TableSort } from '@/components/ui/data-table';
import { Pagination, type PaginationProps } from '@/components/ui/pagination';
import { StatusBadge } from '@/components/ui/status-badge';
import { childNoun } from '@/lib/executions/modules';
import { progressMessage } from '@/lib/executions/progress';
import { formatDateTime, formatDuration } from '@/lib/format';
import type { Execution } from '@/types/api';

import { useExecutions } from '../api/get-executions';
import type { Selection } from '../hooks/use-selection';
import { RUNNING_FIRST } from '../hooks/use-execution-filters';

import { CancelButton } from './cancel-button';
import { KindBadge } from './kind-badge';
import { RetryButton } from './retry-button';

/** Children shown under an unfolded parent, a page at a time. */
export const CHILDREN_PAGE_SIZE = 25;

type RowOptions = { showUser: boolean; selection?: Selection | undefined; columnCount: number };

type ExecutionsTableProps = {
  executions: Execution[];
  showUser: boolean;
  caption: string;
  pagination?: PaginationProps;
  sort?: TableSort;
  /** Checkboxes for bulk actions. */
  selection?: Selection;
};

function columns(showUser: boolean, selectAll: Column | null): Column[] {
  return [
    ...(selectAll ? [selectAll] : []),
    { label: 'Task', sortKey: 'title', className: 'col-task' },
    ...(showUser ? [{ label: 'User', sortKey: 'user', className: 'col-user' }] : []),
    { label: 'Status', sortKey: 'status', className: 'col-status' },
    { label: 'Progress', sortKey: 'progress', className: 'col-progress', descendingFirst: true },
    { label: 'Duration', sortKey: 'duration', className: 'col-duration', descendingFirst: true },
    { label: 'Created', sortKey: 'created_at', className: 'col-created', descendingFirst: true },
    { label: 'Actions', hidden: true, className: 'col-actions' },
  ];
}

/**
 * One row per execution, its children folded under it. On a phone a row is one line (title,
 * status, bar) and its details open on a tap (see .executions-table).
 */
export function ExecutionsTable({ executions, showUser, caption, pagination, sort, selection }: ExecutionsTableProps) {
  const selectAll = selection ? { label: 'Select', className: 'col-select', header: <SelectPage executions={executions} selection={selection} /> } : null;
  const cols = columns(showUser, selectAll);
  const options = { showUser, selection, columnCount: cols.length };
  return (
    <DataTable caption={caption} columns={cols} pagination={pagination} sort={sort} className="executions-table">
      {executions.map((execution) => (
        <ExecutionRows key={execution.id} execution={execution} options={options} />
      ))}
    </DataTable>
  );
}

function SelectPage({ executions, selection }: { executions: Execution[]; selection: Selection }) {
  const ref = useRef<HTMLInputElement>(null);
  const ids = executions.map((execution) => execution.id);
  const selected = ids.filter((id) => selection.allMatching || selection.ids.has(id)).length;
  const all = ids.length > 0 && selected === ids.length;
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = selected > 0 && !all;
  }, [selected, all]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label="Select every task on this page"
      checked={all}
      disabled={ids.length === 0}
      onChange={(event) => selection.setMany(ids, event.target.checked)}
    />
  );
}

/** A row, and its children's rows while it is unfolded. */
function ExecutionRows({ execution, options }: { execution: Execution; options: RowOptions }) {
  const [open, setOpen] = useState(false);
  const childrenId = useId();
  const count = execution.children_count ?? 0;
  const toggle =
    count > 0 ? { open, controls: childrenId, onToggle: () => setOpen((value) => !value) } : undefined;
  return (
    <>
      <ExecutionRow execution={execution} options={options} childrenToggle={toggle} />
      {open && <ChildRows parent={execution} options={options} id={childrenId} />}
    </>
  );
}

type ChildrenToggle = { open: boolean; controls: string; onToggle: () => void };

type ExecutionRowProps = {
  execution: Execution;
  options: RowOptions;
  childrenToggle?: ChildrenToggle | undefined;
  child?: boolean;
};

function ExecutionRow({ execution, options, childrenToggle, child = false }: ExecutionRowProps) {
  const [details, setDetails] = useState(false);
  const { selection, showUser } = options;
  const label = execution.title || execution.name;
  const checked = selection ? selection.allMatching || selection.ids.has(execution.id) : false;
  const rowClass = ['execution-row', child ? 'child-row' : '', details ? 'show-details' : ''].filter(Boolean).join(' ');
  return (
    <tr data-testid={`execution-${execution.id}`} className={rowClass}>
      {selection && (
        <td className="col-select">
          <input
            type="checkbox"
            aria-label={`Select ${label}`}
            checked={checked}
            disabled={selection.allMatching}
            onChange={(event) => selection.toggle(execution.id, event.target.checked)}
          />
        </td>
      )}
      <td className="col-task" data-label="Task">
        <div className="task-line">
          {childrenToggle && <ChildrenButton execution={execution} toggle={childrenToggle} label={label} />}
          <Link to={`/tasks/${execution.id}`} className="task-link">
            {label}
          </Link>
        </div>
        <div className="muted small row-meta">
          <KindBadge execution={execution} /> #{execution.id} · {execution.module || '—'} · {execution.name}
          {execution.attempt > 1 && ` · attempt ${execution.attempt}`}
          {execution.retry_of ? ` · retry of #${execution.retry_of}` : ''}
        </div>
        {(execution.children_count ?? 0) > 0 && <ChildrenSummary execution={execution} />}
      </td>
      {showUser && (
        <td className="col-user" data-label="User">
          {execution.user?.username ?? '—'}
        </td>
      )}
      <td className="col-status" data-label="Status">
        <StatusBadge status={execution.status} />
      </td>
      <td className="col-progress" data-label="Progress">
        <ExecutionProgressRow execution={execution} label={label} />
        <ProgressText execution={execution} />
      </td>
      <td className="col-duration" data-label="Duration">
        <ExecutionDuration execution={execution} />
      </td>
      <td className="col-created" data-label="Created">
        <time dateTime={execution.created_at}>{formatDateTime(execution.created_at)}</time>
      </td>
      <td className="col-actions row-actions" data-label="Actions">
        <div>
          <CancelButton execution={execution} small />
          <RetryButton execution={execution} small />
        </div>
      </td>
      <td className="col-more">
        <button
          type="button"
          className="icon-button row-more"
          aria-expanded={details}
          aria-label={`Details of ${label}`}
          onClick={() => setDetails((value) => !value)}
        >
          <span aria-hidden="true">{details ? '▴' : '▾'}</span>
        </button>
      </td>
    </tr>
  );
}

function ProgressText({ execution }: { execution: Execution }) {
  const message = progressMessage(execution);
  const items = execution.total_items > 0;
  const eta = execution.is_active && execution.eta_seconds !== null;
  return (
    <>
      {message && <div className="small progress-message">{message}</div>}
      {(items || eta) && (
        <div className="muted small progress-extra">
          {items && `${execution.processed_items} of ${execution.total_items} items`}
          {items && execution.failed_items > 0 && `, ${execution.failed_items} failed`}
          {items && eta && ' · '}
          {eta && `ETA ${formatDuration(execution.eta_seconds)}`}
        </div>
      )}
    </>
  );
}

function ChildrenButton({ execution, toggle, label }: { execution: Execution; toggle: ChildrenToggle; label: string }) {
  const count = execution.children_count ?? 0;
  return (
    <button
      type="button"
      className="icon-button children-toggle"
      aria-expanded={toggle.open}
      aria-controls={toggle.open ? toggle.controls : undefined}
      aria-label={`${toggle.open ? 'Hide' : 'Show'} the ${count} ${childNoun(execution.module, count)} of ${label}`}
      onClick={toggle.onToggle}
    >
      <span aria-hidden="true">{toggle.open ? '▾' : '▸'}</span>
    </button>
  );
}

function ChildrenSummary({ execution }: { execution: Execution }) {
  const count = execution.children_count ?? 0;
  const failed = execution.children_failed ?? 0;
  return (
    <div className="small children-summary">
      {count} {childNoun(execution.module, count)}
      {failed > 0 && <span className="children-failed">, {failed} failed</span>}
    </div>
  );
}

/** The children of an unfolded parent, a page at a time, live like any list. */
function ChildRows({ parent, options, id }: { parent: Execution; options: RowOptions; id: string }) {
  const [page, setPage] = useState(1);
  const children = useExecutions({ parent: parent.id, page, page_size: CHILDREN_PAGE_SIZE, ordering: RUNNING_FIRST });
  const count = children.data?.count ?? parent.children_count ?? 0;
  const noun = childNoun(parent.module, count);
  return (
    <>
      {children.isPending && (
        <tr className="child-status" id={id}>
          <td colSpan={options.columnCount} className="muted small">
            Loading the {noun}…
          </td>
        </tr>
      )}
      {children.isError && (
        <tr className="child-status" id={id}>
          <td colSpan={options.columnCount} role="alert" className="field-error">
            Could not load the {noun}: {children.error.message}
          </td>
        </tr>
      )}
      {children.data?.results.map((item) => (
        <ExecutionRow key={item.id} execution={item} options={options} child />
      ))}
      {children.data && (
        <tr className="child-status" id={id}>
          <td colSpan={options.columnCount}>
            <div className="child-footer small">
              <Pagination
                page={page}
                pageSize={CHILDREN_PAGE_SIZE}
                count={count}
                onPageChange={setPage}
                label={`Pages of the ${noun} of #${parent.id}`}
              />
              <Link to={`/tasks/${parent.id}`}>
                All {count} {noun} on #{parent.id}’s page
              </Link>
            </div>
          </td>
        </tr>
      )}
    </>
  );
}
