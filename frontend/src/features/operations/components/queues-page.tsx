// features/operations/components/: the /queues page (staff).

import { useState } from 'react';

import { Alert } from '@/components/ui/alert';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DataTable, type Column } from '@/components/ui/data-table';
import { QueryPanel } from '@/components/ui/query-panel';
import { ApiError } from '@/lib/api-client';
import { formatDuration } from '@/lib/format';
import { toast } from '@/lib/toast';

import { useQueues, type Queue } from '../api/get-queues';
import { useQueueAction, type QueueActionInput } from '../api/queue-actions';

const COLUMNS: Column[] = ['Queue', 'Waiting', 'Oldest message', 'Consumers', 'Executions', 'State', { label: 'Actions', hidden: true }];

/** `/queues` (staff): lengths and latency, refreshed every few seconds; pause and resume. */
export function QueuesPage() {
  const queues = useQueues();
  const action = useQueueAction();
  const [pending, setPending] = useState<QueueActionInput | null>(null);

  const confirm = () => {
    if (!pending) return;
    action.mutate(pending, {
      onSuccess: () => toast({ tone: 'success', title: `${pending.action === 'pause' ? 'Paused' : 'Resumed'} ${pending.queue}` }),
      onError: (error) =>
        toast({
          tone: 'error',
          title: `Could not ${pending.action} ${pending.queue}`,
          message: error instanceof ApiError ? (error.detail ?? error.message) : error.message,
        }),
      onSettled: () => setPending(null),
    });
  };

  return (
    <>
      <div className="page-header">
        <h1 className="page-title">Queues</h1>
      </div>
      {queues.data?.broker === 'unavailable' && (
        <Alert tone="warning">The broker cannot be reached: queue lengths are unknown.</Alert>
      )}
      <section className="panel" aria-labelledby="queues-heading">
        <h2 id="queues-heading">Queues</h2>
        <QueryPanel
          query={queues}
          loading="Loading queues…"
          error="Could not load queues"
          isEmpty={(data) => data.queues.length === 0}
          empty="No queue is known yet."
        >
          {(data) => (
            <DataTable caption="Celery queues" columns={COLUMNS}>
              {data.queues.map((queue) => (
                <QueueRow key={queue.name} queue={queue} busy={action.isPending} onAction={setPending} />
              ))}
            </DataTable>
          )}
        </QueryPanel>
      </section>
      <ConfirmDialog
        open={pending !== null}
        title={pending ? `${pending.action === 'pause' ? 'Pause' : 'Resume'} ${pending.queue}?` : ''}
        confirmLabel={pending?.action === 'pause' ? 'Pause' : 'Resume'}
        tone={pending?.action === 'pause' ? 'danger' : 'primary'}
        busy={action.isPending}
        onConfirm={confirm}
        onCancel={() => setPending(null)}
      >
        {pending?.action === 'pause' ? (
          <p>
            Every worker stops taking messages from <strong>{pending.queue}</strong>, workers started later too. Work
            sent meanwhile waits, PENDING.
          </p>
        ) : (
          <p>
            The workers that consumed <strong>{pending?.queue}</strong> take its messages again.
          </p>
        )}
      </ConfirmDialog>
    </>
  );
}

type QueueRowProps = { queue: Queue; busy: boolean; onAction: (input: QueueActionInput) => void };

function QueueRow({ queue, busy, onAction }: QueueRowProps) {
  const executions = Object.entries(queue.executions)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${status} ${count}`)
    .join(', ');
  const action = queue.paused ? 'resume' : 'pause';
  return (
    <tr>
      <th scope="row" data-label="Queue" className="break-all">
        {queue.name}
      </th>
      <td data-label="Waiting">{queue.length ?? '—'}</td>
      <td data-label="Oldest message">{queue.oldest_age_seconds === null ? '—' : formatDuration(queue.oldest_age_seconds)}</td>
      <td data-label="Consumers">{queue.consumers.length ? queue.consumers.join(', ') : 'none'}</td>
      <td data-label="Executions">{executions || '—'}</td>
      <td data-label="State">
        <span className={`badge ${queue.paused ? 'badge-warn' : 'badge-ok'}`}>{queue.paused ? 'paused' : 'consuming'}</span>
      </td>
      <td data-label="Actions">
        <button
          type="button"
          className="button"
          disabled={busy}
          aria-label={`${queue.paused ? 'Resume' : 'Pause'} ${queue.name}`}
          onClick={() => onAction({ queue: queue.name, action })}
        >
          {queue.paused ? 'Resume' : 'Pause'}
        </button>
      </td>
    </tr>
  );
}
