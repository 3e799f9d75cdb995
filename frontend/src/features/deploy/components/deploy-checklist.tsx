import { StepChecklist } from '@/components/ui/step-checklist';
import { stepStates } from '@/lib/executions/steps';
import type { Execution } from '@/types/api';

import { useDeploySteps } from '../api/get-deploy-info';

/** The eight steps of seed 000, checked as the deployment reports them. */
export function DeployChecklist({ execution }: { execution: Execution }) {
  const titles = useDeploySteps();
  const states = stepStates(execution, titles.length);
  return (
    <StepChecklist
      label="Deployment steps"
      steps={titles.map((label, index) => ({
        label,
        state: states[index] ?? 'pending',
        detail:
          states[index] === 'running' || states[index] === 'failed' ? execution.message || undefined : undefined,
      }))}
    />
  );
}
