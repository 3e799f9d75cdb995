import { useParams } from 'react-router';

import { ExecutionDetail } from '@/features/tasks';

import { NotFoundRoute } from './not-found';

export function TaskDetailRoute() {
  const id = Number(useParams().id);
  if (!Number.isInteger(id) || id <= 0) return <NotFoundRoute />;
  return <ExecutionDetail key={id} executionId={id} />;
}
