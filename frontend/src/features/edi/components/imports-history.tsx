import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'react-router';

import { Alert } from '@/components/ui/alert';
import { Loading } from '@/components/ui/loading';
import { Pagination } from '@/components/ui/pagination';
import { StatusBadge } from '@/components/ui/status-badge';
import { formatDateTime, formatDuration } from '@/lib/format';
import { useLiveEvent } from '@/lib/live/live-context';

import { IMPORTS_PAGE_SIZE, useImports } from '../api/get-imports';
import { ediKeys, type Import } from '../api/types';
import { IMPORT_TASK } from '../hooks/use-import-live';

const SEED_TO_STATUS: Record<string, string> = {
  pending: 'PENDING',
  in_progress: 'PROGRESS',
  completed: 'SUCCESS',
  failed: 'FAILURE',
  cancelled: 'REVOKED',
};

/** The imports, newest first; an import's row opens it above. Refreshed when one starts or ends. */
export function ImportsHistory({ selectedJobId }: { selectedJobId: string | null }) {
  const headingId = useId();
  const [page, setPage] = useState(1);
  const imports = useImports(page);
  const queryClient = useQueryClient();

  // The imports' own executions only, not the one per file under them.
  useLiveEvent('execution', (execution) => {
    if (execution.name === IMPORT_TASK) void queryClient.invalidateQueries({ queryKey: ediKeys.importLists() });
  });

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Import history</h2>
      {imports.isPending && <Loading label="Loading imports…" />}
      {imports.isError && <Alert>Could not load the imports: {imports.error.message}</Alert>}
      {imports.data?.results.length === 0 && <p className="empty-state">No imports yet.</p>}
      {imports.data && imports.data.results.length > 0 && (
        <div className="table-wrap">
          <table className="data-table responsive-table">
            <caption className="visually-hidden">Imports</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">By</th>
                <th scope="col">Status</th>
                <th scope="col">Files</th>
                <th scope="col">Failed</th>
                <th scope="col">Duplicates</th>
                <th scope="col">Invoices</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {imports.data.results.map((item) => (
                <HistoryRow key={item.job_id} item={item} selected={item.job_id === selectedJobId} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {imports.data && (
        <Pagination
          page={page}
          pageSize={IMPORTS_PAGE_SIZE}
          count={imports.data.count}
          onPageChange={setPage}
          label="Import pages"
        />
      )}
    </section>
  );
}

function HistoryRow({ item, selected }: { item: Import; selected: boolean }) {
  return (
    <tr className={selected ? 'edi-row-selected' : undefined} aria-current={selected ? 'true' : undefined}>
      <th scope="row" data-label="Started">
        <Link to={{ search: `?job=${item.job_id}` }} aria-label={`Open the import of ${formatDateTime(item.created_at)}`}>
          {formatDateTime(item.created_at)}
        </Link>
      </th>
      <td data-label="By">{item.user.username}</td>
      <td data-label="Status">
        <StatusBadge status={item.state ?? SEED_TO_STATUS[item.status] ?? item.status} />
      </td>
      <td data-label="Files">
        {item.processed_items} of {item.total_items}
      </td>
      <td data-label="Failed">{item.files_failed}</td>
      <td data-label="Duplicates">{item.files_duplicate}</td>
      <td data-label="Invoices">{item.invoices_created}</td>
      <td data-label="Duration">{formatDuration(item.duration)}</td>
    </tr>
  );
}
