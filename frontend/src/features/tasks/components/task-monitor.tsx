import { useId } from 'react';

import { Alert } from '@/components/ui/alert';
import { Loading } from '@/components/ui/loading';
import { Pagination } from '@/components/ui/pagination';

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
        {executions.isPending && <Loading label="Loading tasks…" />}
        {executions.isError && (
          <Alert
            action={
              <button type="button" className="button" onClick={() => void executions.refetch()}>
                Retry
              </button>
            }
          >
            Could not load tasks: {executions.error.message}
          </Alert>
        )}
        {executions.data && executions.data.results.length === 0 && (
          <p className="empty-state">
            {filtered ? 'No task matches these filters.' : 'No tasks yet. Launch one from Templates or Deploy.'}
          </p>
        )}
        {executions.data && executions.data.results.length > 0 && (
          <ExecutionsTable
            executions={executions.data.results}
            showUser={showUser}
            caption={showUser ? 'All executions' : 'My executions'}
          />
        )}
        {executions.data && (
          <Pagination
            page={filters.page}
            pageSize={PAGE_SIZE}
            count={executions.data.count}
            onPageChange={(page) => setFilters({ page })}
            label="Tasks pages"
          />
        )}
      </section>
    </>
  );
}
