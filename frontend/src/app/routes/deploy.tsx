import { useParams } from 'react-router';

import { DeployPage } from '@/features/deploy/components/deploy-page';
import { DeploymentDetail } from '@/features/deploy/components/deployment-detail';

import { NotFoundRoute } from './not-found';

export function DeployRoute() {
  return <DeployPage />;
}

export function DeploymentRoute() {
  const id = Number(useParams().historyId);
  if (!Number.isInteger(id) || id <= 0) return <NotFoundRoute />;
  return <DeploymentDetail key={id} historyId={id} />;
}
