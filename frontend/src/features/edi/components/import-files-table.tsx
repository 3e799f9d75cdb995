import { useId, useState } from 'react';

import { DataTable } from '@/components/ui/data-table';
import { EmptyState } from '@/components/ui/query-panel';

import type { ImportFileResult } from '../api/types';
import { formatBytes, segmentText } from '../format';

import { FileStatusBadge } from './file-status-badge';

type Filter = 'all' | 'failed' | 'duplicate' | 'imported' | 'pending';

const FILTERS: { value: Filter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'failed', label: 'Failed' },
  { value: 'duplicate', label: 'Duplicates' },
  { value: 'imported', label: 'Imported' },
  { value: 'pending', label: 'Pending' },
];

/** Every file of an import: its outcome, its invoices, and why it failed (with the segment). */
export function ImportFilesTable({ files }: { files: ImportFileResult[] }) {
  const headingId = useId();
  const filterId = useId();
  const [filter, setFilter] = useState<Filter>('all');
  const counts = countByStatus(files);
  const shown = filter === 'all' ? files : files.filter((file) => file.status === filter);

  return (
    <section className="edi-files" aria-labelledby={headingId}>
      <div className="panel-header">
        <h3 id={headingId}>Files ({files.length})</h3>
        <div className="edi-inline-field">
          <label htmlFor={filterId}>Show</label>
          <select id={filterId} value={filter} onChange={(event) => setFilter(event.target.value as Filter)}>
            {FILTERS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label} ({option.value === 'all' ? files.length : (counts[option.value] ?? 0)})
              </option>
            ))}
          </select>
        </div>
      </div>
      {shown.length === 0 ? (
        <EmptyState>No {filter === 'all' ? '' : `${FILTERS.find((f) => f.value === filter)?.label.toLowerCase()} `}files.</EmptyState>
      ) : (
        <DataTable
          caption="Files of the import"
          wrapClassName="edi-files-scroll"
          columns={['File', 'Status', 'Invoices', 'Segment', 'Error or note']}
        >
          {shown.map((file) => (
            <FileRow key={file.id} file={file} />
          ))}
        </DataTable>
      )}
    </section>
  );
}

function FileRow({ file }: { file: ImportFileResult }) {
  return (
    <tr className={file.status === 'failed' ? 'edi-row-failed' : undefined}>
      <th scope="row" data-label="File">
        <span className="edi-file-name">{file.name}</span>
        <span className="muted small edi-file-meta">
          {formatBytes(file.size)}
          {file.directory ? ` · ${file.directory}` : ''}
        </span>
      </th>
      <td data-label="Status">
        <FileStatusBadge status={file.status} />
      </td>
      <td data-label="Invoices">{invoicesText(file)}</td>
      <td data-label="Segment">{segmentText(file)}</td>
      <td data-label="Error or note">
        {file.error ? <span className="field-error edi-file-error">{file.error}</span> : (file.note ?? '—')}
      </td>
    </tr>
  );
}

function invoicesText(file: ImportFileResult): string {
  if (file.status === 'pending' || file.status === 'failed') return '—';
  const parts = [`${file.invoices_created} new`];
  if (file.invoices_existing > 0) parts.push(`${file.invoices_existing} known`);
  return parts.join(', ');
}

function countByStatus(files: ImportFileResult[]): Partial<Record<string, number>> {
  const counts: Partial<Record<string, number>> = {};
  for (const file of files) counts[file.status] = (counts[file.status] ?? 0) + 1;
  return counts;
}
