import { useId } from 'react';
import { Link } from 'react-router';

import { LogPanel } from '@/components/log-panel/log-panel';
import { TaskProgress } from '@/components/task-progress/task-progress';
import { Alert } from '@/components/ui/alert';
import { Facts, type Fact } from '@/components/ui/facts';
import { Loading } from '@/components/ui/loading';
import { ApiError } from '@/lib/api-client';
import { useTaskProgress } from '@/lib/executions/use-task-progress';
import { formatDateTime } from '@/lib/format';

import { useDeployment } from '../api/get-deployment';
import { deploymentParams, executionIdOf, type Deployment } from '../api/types';

import { DeployChecklist } from './deploy-checklist';
import { DeploymentStatus } from './deployment-status';

const PARAM_LABELS: Record<string, string> = {
  hostname: 'Hostname',
  simulate: 'Simulation',
  vcenter_host: 'vCenter host',
  datacenter: 'Datacenter',
  template: 'Template',
  cpu: 'CPU',
  memory_gb: 'Memory (GB)',
  disk_gb: 'Disk (GB)',
  network: 'Network',
  ip_address: 'IP address',
};

/** `/deploy/:historyId`: one deployment, its parameters, outcome and its execution, live. */
export function DeploymentDetail({ historyId }: { historyId: number }) {
  const deployment = useDeployment(historyId);
  if (deployment.isPending) return <Loading label="Loading the deployment…" />;
  if (deployment.isError) {
    const missing = deployment.error instanceof ApiError && deployment.error.status === 404;
    return <Alert>{missing ? `Deployment #${historyId} does not exist or is not yours.` : deployment.error.message}</Alert>;
  }
  const data = deployment.data;
  const executionId = executionIdOf(data);
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/deploy">Deploy</Link> <span aria-hidden="true">/</span> <span>{data.hostname}</span>
      </nav>
      <h1 className="page-title">
        {data.hostname} <DeploymentStatus status={data.status} />
      </h1>
      <DeploymentFacts deployment={data} />
      {executionId !== null && <DeploymentExecution executionId={executionId} />}
    </>
  );
}

function DeploymentFacts({ deployment }: { deployment: Deployment }) {
  const headingId = useId();
  const params = deploymentParams(deployment);
  const result = deployment.result ?? {};
  const rows: Fact[] = [
    ['Provider', deployment.provider ?? '—'],
    ...Object.entries(params)
      .filter(([key, value]) => !(key === 'simulate' && isEmptyObject(value)))
      .map(([key, value]): Fact => [
        PARAM_LABELS[key] ?? key,
        key === 'ip_address' && !value ? 'DHCP' : display(value),
      ]),
    ...Object.entries(result).map(([key, value]): Fact => [`Result: ${key.replaceAll('_', ' ')}`, display(value)]),
    ['Created', formatDateTime(deployment.created_at)],
    ['Finished', formatDateTime(deployment.finished_at)],
  ];
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Deployment</h2>
      {deployment.error && (
        <p className="field-error" role="alert">
          {deployment.error}
        </p>
      )}
      <Facts facts={rows} />
    </section>
  );
}

function DeploymentExecution({ executionId }: { executionId: number }) {
  const { execution } = useTaskProgress(executionId);
  return (
    <>
      <section className="panel" aria-label="Execution">
        <TaskProgress executionId={executionId} title="Execution" showLink showError={false} />
        {execution && <DeployChecklist execution={execution} />}
      </section>
      <LogPanel executionId={executionId} title="Deployment logs" />
    </>
  );
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function display(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
