import { ExecutionSteps } from '@/components/task-progress/execution-steps';
import type { Execution } from '@/types/api';

import { useDeploySteps } from '../api/get-deploy-info';

/** The eight steps of seed 000, named before the server reports them, checked as they run. */
export function DeployChecklist({ execution }: { execution: Execution }) {
  const titles = useDeploySteps();
  return <ExecutionSteps execution={execution} label="Deployment steps" fallbackNames={titles} />;
}
