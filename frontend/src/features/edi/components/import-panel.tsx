import { useId } from 'react';

import { Alert } from '@/components/ui/alert';
import { Stat } from '@/components/ui/facts';
import { Loading } from '@/components/ui/loading';
import { ApiError } from '@/lib/api-client';
import { formatDateTime } from '@/lib/format';

import type { ImportDetail } from '../api/types';
import { useImportLive } from '../hooks/use-import-live';

import { ImportFilesTable } from './import-files-table';
import { ImportGauge } from './import-gauge';

type ImportPanelProps = {
  jobId: string;
  /** From the 202 (or the 409), before the detail is read. */
  executionIdHint?: number | null | undefined;
  filesHint?: number | undefined;
};

/** One import: the live gauge, what its files gave, and every file with its error. */
export function ImportPanel({ jobId, executionIdHint = null, filesHint }: ImportPanelProps) {
  const headingId = useId();
  const { detail, execution, executionError } = useImportLive(jobId, executionIdHint);
  const data = detail.data;
  const executionId = data?.execution_id ?? executionIdHint;

  return (
    <section className="panel edi-import" aria-labelledby={headingId}>
      <div className="panel-header">
        <h2 id={headingId}>
          Import <code>{jobId.slice(0, 8)}</code>
        </h2>
        {data && (
          <span className="muted small">
            {data.user.username}, {formatDateTime(data.created_at)}
          </span>
        )}
      </div>
      {detail.isError && (
        <Alert>
          {detail.error instanceof ApiError && detail.error.status === 404
            ? 'This import does not exist, or it is not yours.'
            : `Could not read the import: ${detail.error.message}`}
        </Alert>
      )}
      {executionError && !detail.isError && (
        <p className="muted">The live progress is not available ({executionError.message}); the counts come from the import.</p>
      )}
      {(data || execution) && (
        <ImportGauge detail={data} execution={execution} filesHint={filesHint} executionId={executionId} />
      )}
      {detail.isPending && !execution && <Loading label="Loading the import…" />}
      {data && <ImportOutcome detail={data} />}
      {data && <ImportFilesTable files={data.files} />}
    </section>
  );
}

function ImportOutcome({ detail }: { detail: ImportDetail }) {
  return (
    <dl className="stat-row edi-outcome" aria-label="Files by outcome">
      <Stat term="Imported" value={detail.files_imported} />
      <Stat term="Duplicates" value={detail.files_duplicate} />
      <Stat term="Failed" value={detail.files_failed} />
      <Stat term="Pending" value={detail.files_pending} />
      <Stat term="Invoices created" value={detail.invoices_created} />
    </dl>
  );
}
