import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';

import { Alert } from '@/components/ui/alert';
import { Loading } from '@/components/ui/loading';
import { Pagination } from '@/components/ui/pagination';
import { formatDateTime } from '@/lib/format';
import { useLiveEvent } from '@/lib/live/live-context';

import { DEPLOYMENTS_PAGE_SIZE, useDeployments } from '../api/get-deployments';
import { deploymentKeys, type Deployment } from '../api/types';

import { DeploymentStatus } from './deployment-status';

/** The deployments history, refreshed when a deployment's execution finishes. */
export function DeploymentsHistory() {
  const [page, setPage] = useState(1);
  const deployments = useDeployments(page);
  const queryClient = useQueryClient();

  useLiveEvent('execution', (execution) => {
    if (execution.module === 'deploy') void queryClient.invalidateQueries({ queryKey: deploymentKeys.lists() });
  });

  return (
    <section className="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">Deployment history</h2>
      {deployments.isPending && <Loading label="Loading deployments…" />}
      {deployments.isError && <Alert>Could not load deployments: {deployments.error.message}</Alert>}
      {deployments.data?.results.length === 0 && <p className="empty-state">No deployments yet.</p>}
      {deployments.data && deployments.data.results.length > 0 && (
        <div className="table-wrap">
          <table className="data-table responsive-table">
            <caption className="visually-hidden">Deployments</caption>
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Status</th>
                <th scope="col">Provider</th>
                <th scope="col">IP</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {deployments.data.results.map((deployment) => (
                <HistoryRow key={deployment.id} deployment={deployment} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deployments.data && (
        <Pagination
          page={page}
          pageSize={DEPLOYMENTS_PAGE_SIZE}
          count={deployments.data.count}
          onPageChange={setPage}
          label="Deployment pages"
        />
      )}
    </section>
  );
}

function HistoryRow({ deployment }: { deployment: Deployment }) {
  const ip = deployment.result?.ip_address ?? deployment.ip_address;
  return (
    <tr>
      <th scope="row" data-label="Host">
        <Link to={`/deploy/${deployment.id}`}>{deployment.hostname}</Link>
      </th>
      <td data-label="Status">
        <DeploymentStatus status={deployment.status} />
      </td>
      <td data-label="Provider">{deployment.provider ?? '—'}</td>
      <td data-label="IP">{typeof ip === 'string' && ip ? ip : 'DHCP'}</td>
      <td data-label="Created">{formatDateTime(deployment.created_at)}</td>
    </tr>
  );
}
