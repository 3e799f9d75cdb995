// features/tasks/components/: the task monitor, an execution's page, and their table, filters and
// buttons.

import { useId } from 'react';

import { QueryPanel } from '@/components/ui/query-panel';

import { executionsExportUrl } from '../api/export-executions';
import { useExecutions } from '../api/get-executions';
import { listParamsFor, PAGE_SIZE, useExecutionFilters } from '../hooks/use-execution-filters';

import { ExecutionFilters } from './execution-filters';
import { ExecutionsTable } from './executions-table';

type TaskMonitorProps = { user: { id: number; is_staff: boolean } };

/** The page users live in: their executions (staff: optionally everyone's), updated live. */
export function TaskMonitor({ user }: TaskMonitorProps) {
  const { filters, setFilters } = useExecutionFilters();
  const params = listParamsFor(filters, user);
  const executions = useExecutions(params);
  const toggleId = useId();
  const showUser = user.is_staff && filters.allUsers;
  const filtered = Boolean(filters.status || filters.module || filters.search);

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
          <a className="button" href={executionsExportUrl(params)} download>
            Export CSV
          </a>
        </div>
      </div>
      <ExecutionFilters filters={filters} onChange={setFilters} />
      <section className="panel" aria-labelledby="executions-heading" aria-busy={executions.isFetching}>
        <div className="panel-header">
          <h2 id="executions-heading">{showUser ? 'All executions' : 'My executions'}</h2>
          {executions.data && (
            <span className="muted" aria-live="polite">
              {executions.data.count} {executions.data.count === 1 ? 'execution' : 'executions'}
            </span>
          )}
        </div>
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
          empty={filtered ? 'No task matches these filters.' : 'No tasks yet. Launch one from Templates or Deploy.'}
        >
          {(page) => (
            <ExecutionsTable
              executions={page.results}
              showUser={showUser}
              caption={showUser ? 'All executions' : 'My executions'}
              pagination={{
                page: filters.page,
                pageSize: PAGE_SIZE,
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
