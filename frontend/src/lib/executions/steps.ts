export type StepState = 'completed' | 'running' | 'failed' | 'pending';

type StepSource = {
  status: string;
  current_step: number;
  total_steps: number;
  is_active: boolean;
};

/** The state of each of `total` steps from an execution's current step and status. */
export function stepStates(execution: StepSource, total = execution.total_steps): StepState[] {
  const states: StepState[] = [];
  for (let step = 1; step <= total; step += 1) states.push(stepState(execution, step));
  return states;
}

function stepState({ status, current_step: current, is_active: active }: StepSource, step: number): StepState {
  if (status === 'SUCCESS') return 'completed';
  if (step < current) return 'completed';
  if (step > current) return 'pending';
  if (active) return 'running';
  return status === 'FAILURE' || status === 'REVOKED' ? 'failed' : 'pending';
}
