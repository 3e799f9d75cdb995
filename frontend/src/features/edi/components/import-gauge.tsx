import { useId } from 'react';
import { Link } from 'react-router';

import { ProgressRow } from '@/components/ui/progress-row';
import { formatDuration, secondsSince } from '@/lib/format';
import { useNow } from '@/hooks/use-now';
import type { Execution } from '@/types/api';

import type { ImportDetail } from '../api/types';
import { gaugeState } from '../gauge';

type ImportGaugeProps = {
  /** The detail as last read (may lag behind the execution by up to a second). */
  detail: ImportDetail | undefined;
  /** The import's parent execution, live. */
  execution: Execution | undefined;
  /** Known from the 202 before the detail is read. */
  filesHint?: number | undefined;
  executionId: number | null;
};

const TONES = { pending: 'idle', in_progress: 'running', completed: 'success', failed: 'failure', cancelled: 'failure' } as const;

/** Seed 002's gauge for an import: files processed of total, failures, duration, message. */
export function ImportGauge({ detail, execution, filesHint, executionId }: ImportGaugeProps) {
  const headingId = useId();
  const state = gaugeState(detail, execution, filesHint);
  const running = state.phase === 'pending' || state.phase === 'in_progress';
  const now = useNow(1000, running && state.startedAt !== null);
  const duration = running ? secondsSince(state.startedAt, now) : state.duration;
  const files = state.total === 1 ? 'file' : 'files';

  return (
    <section className="edi-gauge" aria-labelledby={headingId}>
      <div className="panel-header">
        <h3 id={headingId}>Import progress</h3>
        {executionId !== null && (
          <Link to={`/tasks/${executionId}`} className="small-link">
            Task #{executionId}
          </Link>
        )}
      </div>
      <ProgressRow value={state.percent} label="Import progress" tone={TONES[state.phase]} animated={running} />
      <p className="edi-gauge-counts">
        <span className="edi-gauge-done">
          <strong>{state.done}</strong> of <strong>{state.total}</strong> {files} processed
        </span>
        {state.failed > 0 && (
          <span className="badge edi-failed-badge">
            {state.failed} failed
          </span>
        )}
        <span className="edi-gauge-duration">
          Duration <strong>{formatDuration(duration)}</strong>
        </span>
      </p>
      {running && (
        <p className="progress-message">
          {state.phase === 'pending' ? 'Waiting for a worker…' : state.message || 'Importing…'}
        </p>
      )}
      <div role="status" aria-live="polite" className="edi-gauge-status">
        {state.phase === 'completed' && <p className="edi-completion edi-completion-success">{state.message}</p>}
      </div>
      {(state.phase === 'failed' || state.phase === 'cancelled') && (
        <p className="edi-completion edi-completion-failure" role="alert">
          {state.message || (state.phase === 'cancelled' ? 'The import was cancelled.' : 'The import failed.')}
        </p>
      )}
    </section>
  );
}
