// features/workers/components/: the /workers page.

import { useState } from 'react';

import { Alert } from '@/components/ui/alert';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Facts, type Fact } from '@/components/ui/facts';
import { QueryPanel } from '@/components/ui/query-panel';
import { ApiError } from '@/lib/api-client';
import { formatRelative } from '@/lib/format';
import { toast } from '@/lib/toast';

import { FLOWER_DASHBOARD_URL, useFlowerInfo } from '../api/get-flower-info';
import { useRefreshWorkers, useWorkers, type Worker } from '../api/get-workers';
import { useWorkerAction, WORKER_ACTIONS, type WorkerAction } from '../api/worker-actions';

type Pending = { worker: string; action: WorkerAction };

/** `/workers` (staff): the Celery workers as Flower sees them, with admin actions. */
export function WorkersPage() {
  const workers = useWorkers();
  const flower = useFlowerInfo();
  const { refresh, isRefreshing } = useRefreshWorkers();
  const [pending, setPending] = useState<Pending | null>(null);
  const action = useWorkerAction();
  const flowerDown = workers.data?.flowerAvailable === false || flower.data?.available === false;
  const dashboardUrl = flower.data?.dashboardUrl ?? FLOWER_DASHBOARD_URL;

  const confirm = () => {
    if (!pending) return;
    const spec = WORKER_ACTIONS[pending.action];
    action.mutate(pending, {
      onSuccess: () => toast({ tone: 'success', title: `${spec.label}: ${pending.worker}` }),
      onError: (error) =>
        toast({
          tone: 'error',
          title: `${spec.label} failed on ${pending.worker}`,
          message: error instanceof ApiError ? (error.detail ?? error.message) : error.message,
        }),
      onSettled: () => setPending(null),
    });
  };

  return (
    <>
      <div className="page-header">
        <h1 className="page-title">Workers</h1>
        <div className="page-actions">
          <button type="button" className="button" disabled={isRefreshing} onClick={() => void refresh().catch(() => undefined)}>
            {isRefreshing ? 'Refreshing…' : 'Refresh'}
          </button>
          <a className="button" href={dashboardUrl} target="_blank" rel="noopener noreferrer">
            Open Flower dashboard<span className="visually-hidden"> (opens in a new tab)</span>
          </a>
        </div>
      </div>
      {flowerDown && (
        <Alert tone="warning">
          Flower is unavailable: the workers below come from Celery&apos;s own inspect, without
          history or admin actions through Flower.
        </Alert>
      )}
      {flower.data && <FlowerSummary version={flower.data.version} totals={flower.data.totals} />}
      <section className="panel" aria-labelledby="workers-heading">
        <h2 id="workers-heading">Workers</h2>
        <QueryPanel
          query={workers}
          loading="Loading workers…"
          error="Could not load workers"
          isEmpty={(data) => data.workers.length === 0}
          empty="No worker answered."
        >
          {(data) => (
            <WorkersTable
              workers={data.workers}
              actionsDisabled={flowerDown || action.isPending}
              onAction={(worker, kind) => setPending({ worker, action: kind })}
            />
          )}
        </QueryPanel>
      </section>
      <ConfirmDialog
        open={pending !== null}
        title={pending ? `${WORKER_ACTIONS[pending.action].label}?` : ''}
        confirmLabel={pending ? WORKER_ACTIONS[pending.action].label : 'Confirm'}
        tone={pending && WORKER_ACTIONS[pending.action].danger ? 'danger' : 'primary'}
        busy={action.isPending}
        onConfirm={confirm}
        onCancel={() => setPending(null)}
      >
        {pending && (
          <p>
            {WORKER_ACTIONS[pending.action].confirm} <strong>{pending.worker}</strong>?
            {pending.action === 'shutdown' && ' Its running tasks are interrupted and it will not come back by itself.'}
          </p>
        )}
      </ConfirmDialog>
    </>
  );
}

function FlowerSummary({ version, totals }: { version: string | null; totals: Record<string, number | string> }) {
  const facts: Fact[] = [
    ['Flower version', version ?? '—'],
    ...Object.entries(totals).map(([key, value]): Fact => [key.replaceAll('_', ' '), value]),
  ];
  return (
    <section className="panel" aria-label="Flower">
      <Facts facts={facts} />
    </section>
  );
}

type WorkersTableProps = {
  workers: Worker[];
  actionsDisabled: boolean;
  onAction: (worker: string, action: WorkerAction) => void;
};

const WORKER_COLUMNS: Column[] = [
  'Worker',
  'Status',
  'Active',
  'Processed',
  'Failed',
  'Load',
  'Pool',
  'Queues',
  'Heartbeat',
  { label: 'Actions', hidden: true },
];

function WorkersTable({ workers, actionsDisabled, onAction }: WorkersTableProps) {
  return (
    <DataTable caption="Celery workers" columns={WORKER_COLUMNS}>
      {workers.map((worker) => (
        <tr key={worker.name}>
          <th scope="row" data-label="Worker" className="break-all">
            {worker.name}
          </th>
          <td data-label="Status">
            <span className={`badge ${worker.online ? 'badge-ok' : 'badge-warn'}`}>
              {worker.online ? 'online' : 'offline'}
            </span>
          </td>
          <td data-label="Active">{worker.active ?? '—'}</td>
          <td data-label="Processed">{worker.processed ?? '—'}</td>
          <td data-label="Failed">{worker.failed ?? '—'}</td>
          <td data-label="Load">{worker.load.length ? worker.load.map((value) => value.toFixed(2)).join(' / ') : '—'}</td>
          <td data-label="Pool">{worker.poolSize ?? '—'}</td>
          <td data-label="Queues">{worker.queues.join(', ') || '—'}</td>
          <td data-label="Heartbeat">{worker.lastHeartbeat ? formatRelative(worker.lastHeartbeat) : '—'}</td>
          <td data-label="Actions" className="row-actions">
            <div>
              {(Object.keys(WORKER_ACTIONS) as WorkerAction[]).map((kind) => (
                <button
                  key={kind}
                  type="button"
                  className={`button button-small${WORKER_ACTIONS[kind].danger ? ' button-danger-outline' : ''}`}
                  disabled={actionsDisabled || !worker.online}
                  aria-label={`${WORKER_ACTIONS[kind].label} ${worker.name}`}
                  onClick={() => onAction(worker.name, kind)}
                >
                  {WORKER_ACTIONS[kind].label}
                </button>
              ))}
            </div>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
