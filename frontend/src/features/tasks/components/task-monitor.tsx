// features/tasks/components/: the task monitor, an execution's page, and their table, filters and
// buttons.

import { useId, useState } from 'react';

import { QueryPanel } from '@/components/ui/query-panel';

import { executionFilterParams, useExecutions } from '../api/get-executions';
import { useExecutionCounts } from '../api/get-execution-counts';
import {
  isFiltered,
  listParamsFor,
  PAGE_SIZES,
  RUNNING_FIRST,
  useExecutionFilters,
} from '../hooks/use-execution-filters';
import { useSelection } from '../hooks/use-selection';

import { BulkActions } from './bulk-actions';
import { BulkJob } from './bulk-job';
import { ExecutionFilters } from './execution-filters';
import { ExecutionsTable } from './executions-table';
import { ExportMenu } from './export-menu';
import { StatusTabs } from './status-tabs';

type TaskMonitorProps = { user: { id: number; is_staff: boolean } };

/**
 * The page users live in: their executions (staff: optionally everyone's), updated live,
 * with per-status counts, sortable columns, children folded under their parent, and bulk
 * actions on the rows ticked or on everything matching.
 */
export function TaskMonitor({ user }: TaskMonitorProps) {
  const { filters, setFilters } = useExecutionFilters();
  const params = listParamsFor(filters, user);
  const executions = useExecutions(params);
  // Each facet is counted without its own filter: the tabs count every status.
  const counts = useExecutionCounts(params);
  const filterParams = executionFilterParams(params);
  const selection = useSelection(JSON.stringify(filterParams));
  const [bulkJobId, setBulkJobId] = useState<number | null>(null);
  const toggleId = useId();
  const listId = useId();
  const pageSizeId = useId();
  const showUser = user.is_staff && filters.allUsers;
  const heading = showUser ? 'All executions' : 'My executions';

  return (
    <>
      <div className="page-header">
        <h1 className="page-title">Tasks</h1>
        <div className="page-actions">
          {user.is_staff && (
            <label className="switch" htmlFor={toggleId}>
              <input
                id={toggleId}
                type="checkbox"
                role="switch"
                checked={filters.allUsers}
                onChange={(event) => setFilters({ allUsers: event.target.checked })}
              />
              All users
            </label>
          )}
          <ExportMenu params={params} />
        </div>
      </div>
      <StatusTabs value={filters.status} counts={counts.data?.status} controls={listId} onChange={(status) => setFilters({ status })} />
      <ExecutionFilters filters={filters} counts={counts.data} onChange={setFilters} />
      {bulkJobId !== null && <BulkJob jobId={bulkJobId} onDismiss={() => setBulkJobId(null)} />}
      <section id={listId} className="panel" aria-labelledby="executions-heading" aria-busy={executions.isFetching}>
        <div className="panel-header">
          <h2 id="executions-heading">{heading}</h2>
          <div className="panel-tools">
            {executions.data && (
              <span className="muted" aria-live="polite">
                {executions.data.count} {executions.data.count === 1 ? 'execution' : 'executions'}
              </span>
            )}
            <SortSelect ordering={filters.ordering} onChange={(ordering) => setFilters({ ordering })} />
            {filters.ordering !== RUNNING_FIRST && (
              <button type="button" className="button button-small" onClick={() => setFilters({ ordering: RUNNING_FIRST })}>
                Running first
              </button>
            )}
            <label htmlFor={pageSizeId} className="visually-hidden">
              Rows per page
            </label>
            <select
              id={pageSizeId}
              className="page-size"
              value={filters.pageSize}
              onChange={(event) => setFilters({ pageSize: Number(event.target.value) })}
            >
              {PAGE_SIZES.map((size) => (
                <option key={size} value={size}>
                  {size} per page
                </option>
              ))}
            </select>
          </div>
        </div>
        {executions.data && (
          <BulkActions
            selection={selection}
            matching={executions.data.count}
            filter={filterParams}
            isStaff={user.is_staff}
            onLaunched={(job) => setBulkJobId(job.id)}
          />
        )}
        <QueryPanel
          query={executions}
          loading="Loading tasks…"
          error="Could not load tasks"
          errorAction={
            <button type="button" className="button" onClick={() => void executions.refetch()}>
              Retry
            </button>
          }
          isEmpty={(page) => page.results.length === 0}
          empty={isFiltered(filters) ? 'No task matches these filters.' : 'No tasks yet. Launch one from Templates or Deploy.'}
        >
          {(page) => (
            <ExecutionsTable
              executions={page.results}
              showUser={showUser}
              caption={heading}
              selection={selection}
              sort={{ ordering: filters.ordering, onSort: (ordering) => setFilters({ ordering }) }}
              pagination={{
                page: filters.page,
                pageSize: filters.pageSize,
                count: page.count,
                onPageChange: (next) => setFilters({ page: next }),
                label: 'Tasks pages',
              }}
            />
          )}
        </QueryPanel>
      </section>
    </>
  );
}

const SORT_CHOICES: [ordering: string, label: string][] = [
  [RUNNING_FIRST, 'Running first'],
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['title', 'Title A–Z'],
  ['status', 'Status'],
  ['-progress', 'Most progress'],
  ['-duration', 'Longest'],
];

/** The order on a phone, where the table's headings (which sort on a desktop) are hidden. */
function SortSelect({ ordering, onChange }: { ordering: string; onChange: (ordering: string) => void }) {
  const id = useId();
  const choices = SORT_CHOICES.some(([value]) => value === ordering) ? SORT_CHOICES : [...SORT_CHOICES, [ordering, ordering] as [string, string]];
  return (
    <span className="phone-only">
      <label htmlFor={id} className="visually-hidden">
        Sort by
      </label>
      <select id={id} className="page-size" value={ordering} onChange={(event) => onChange(event.target.value)}>
        {choices.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </span>
  );
}
