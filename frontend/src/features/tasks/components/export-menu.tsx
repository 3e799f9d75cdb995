import type { ExecutionListParams } from '@/lib/executions/keys';

import { executionsExportUrl, type ExportFormat } from '../api/export-executions';

const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: 'csv', label: 'CSV (spreadsheet)' },
  { format: 'json', label: 'JSON' },
];

/** A download of every execution matching the filters, as CSV or JSON. */
export function ExportMenu({ params }: { params: ExecutionListParams }) {
  return (
    <details className="menu">
      <summary className="button">Export</summary>
      <div className="menu-panel" role="group" aria-label="Export formats">
        {FORMATS.map(({ format, label }) => (
          <a key={format} className="menu-item" href={executionsExportUrl(params, format)} download>
            {label}
          </a>
        ))}
      </div>
    </details>
  );
}
