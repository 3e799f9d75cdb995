import { useParams } from 'react-router';

import { DeploymentDetail, DeployPage } from '@/features/deploy';

import { NotFoundRoute } from './not-found';

export function DeployRoute() {
  return <DeployPage />;
}

export function DeploymentRoute() {
  const id = Number(useParams().historyId);
  if (!Number.isInteger(id) || id <= 0) return <NotFoundRoute />;
  return <DeploymentDetail key={id} historyId={id} />;
}
