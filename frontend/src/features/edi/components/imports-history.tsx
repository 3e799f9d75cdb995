import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'react-router';

import { DataTable } from '@/components/ui/data-table';
import { QueryPanel } from '@/components/ui/query-panel';
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
      <QueryPanel
        query={imports}
        loading="Loading imports…"
        error="Could not load the imports"
        isEmpty={(data) => data.results.length === 0}
        empty="No imports yet."
      >
        {(data) => (
          <DataTable
            caption="Imports"
            columns={['Started', 'By', 'Status', 'Files', 'Failed', 'Duplicates', 'Invoices', 'Duration']}
            pagination={{
              page,
              pageSize: IMPORTS_PAGE_SIZE,
              count: data.count,
              onPageChange: setPage,
              label: 'Import pages',
            }}
          >
            {data.results.map((item) => (
              <HistoryRow key={item.job_id} item={item} selected={item.job_id === selectedJobId} />
            ))}
          </DataTable>
        )}
      </QueryPanel>
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
