// features/edi/components/: the /edi page: upload panel, live import gauge and files, import
// history, invoices.

import './edi.css';

import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';

import { useEdiInfo } from '../api/get-edi-info';

import { ImportPanel } from './import-panel';
import { ImportsHistory } from './imports-history';
import { InvoicesTable } from './invoices-table';
import { UploadPanel } from './upload-panel';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Hint = { jobId: string; executionId: number | null; files?: number };

/**
 * `/edi`: upload supplier invoice files, follow the import live (seed 002's gauge), its
 * files, the history and the invoices. The import shown is `?job=<job id>`; with none, the
 * one running (after a reload, say) is shown.
 */
export function EdiPage() {
  const [searchParams, setSearchParams] = useSearchParams();
  const info = useEdiInfo();
  const [hint, setHint] = useState<Hint | null>(null);
  const param = searchParams.get('job');
  const jobParam = param && UUID.test(param) ? param : null;
  const running = info.data?.running_job_id ?? null;

  useEffect(() => {
    // Kept in the URL so the gauge stays once the import is no longer the running one.
    if (!jobParam && running) setSearchParams({ job: running }, { replace: true });
  }, [jobParam, running, setSearchParams]);

  const jobId = jobParam ?? running;
  const show = (next: Hint) => {
    setHint(next);
    setSearchParams({ job: next.jobId });
  };
  const types = Object.entries(info.data?.message_types ?? {});

  return (
    <>
      <h1 className="page-title">EDI invoices</h1>
      <p className="muted">
        Supplier invoices as UN/EDIFACT files, imported in parallel, one task per file.
        {types.length > 0 &&
          ` Reads ${types.map(([type, directories]) => `${type} (${directories.join(', ')})`).join(', ')}.`}
      </p>
      <UploadPanel
        onAccepted={(accepted) =>
          show({ jobId: accepted.job_id, executionId: accepted.execution_id, files: accepted.files })
        }
        onRunning={(conflict) => show({ jobId: conflict.job_id, executionId: conflict.execution_id })}
      />
      {jobId && (
        <ImportPanel
          key={jobId}
          jobId={jobId}
          executionIdHint={hint?.jobId === jobId ? hint.executionId : null}
          filesHint={hint?.jobId === jobId ? hint.files : undefined}
        />
      )}
      <ImportsHistory selectedJobId={jobId} />
      <InvoicesTable jobId={jobId} />
    </>
  );
}
