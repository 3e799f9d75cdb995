import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';

import { DataTable } from '@/components/ui/data-table';
import { QueryPanel } from '@/components/ui/query-panel';
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
      <QueryPanel
        query={deployments}
        loading="Loading deployments…"
        error="Could not load deployments"
        isEmpty={(data) => data.results.length === 0}
        empty="No deployments yet."
      >
        {(data) => (
          <DataTable
            caption="Deployments"
            columns={['Host', 'Status', 'Provider', 'IP', 'Created']}
            pagination={{
              page,
              pageSize: DEPLOYMENTS_PAGE_SIZE,
              count: data.count,
              onPageChange: setPage,
              label: 'Deployment pages',
            }}
          >
            {data.results.map((deployment) => (
              <HistoryRow key={deployment.id} deployment={deployment} />
            ))}
          </DataTable>
        )}
      </QueryPanel>
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
