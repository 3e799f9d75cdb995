import type { Execution, ExecutionStep } from '@/types/api';

import { spanSeconds } from './duration';

/** What a step shows: the server's step statuses, but `completed` for its `done`. */
export type StepState = 'completed' | 'running' | 'failed' | 'cancelled' | 'skipped' | 'pending';

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

/**
 * The same rule as the server's (task_manager/steps.py), applied to the live current step
 * and status: a `task.progress` event moves the steps without a new read of the detail.
 */
function stepState({ status, current_step: current, is_active: active }: StepSource, step: number): StepState {
  if (step < current) return 'completed';
  if (step === current) {
    if (active) return 'running';
    if (status === 'FAILURE') return 'failed';
    return status === 'REVOKED' ? 'cancelled' : 'completed';
  }
  if (active) return 'pending';
  return status === 'SUCCESS' ? 'completed' : 'skipped';
}

export type NamedStep = {
  index: number;
  name: string;
  state: StepState;
  startedAt: string | null;
  finishedAt: string | null;
};

type NamedStepSource = StepSource & Pick<Execution, 'steps'>;

/**
 * The steps of an execution, named: by `fallbackNames` (a module's own plan, as its page
 * shows it before the task starts), else by the server (`steps` of the detail), else
 * "Step N"; timed by the server. States follow the live current step.
 */
export function namedSteps(execution: NamedStepSource, fallbackNames: readonly string[] = []): NamedStep[] {
  const server: readonly ExecutionStep[] = execution.steps ?? [];
  const count = Math.max(execution.total_steps, server.length, fallbackNames.length);
  const states = stepStates(execution, count);
  return states.map((state, offset) => {
    const index = offset + 1;
    const known = server[offset];
    const name = fallbackNames[offset] ?? known?.name ?? `Step ${index}`;
    return {
      index,
      name,
      state,
      startedAt: known?.started_at ?? null,
      finishedAt: known?.finished_at ?? null,
    };
  });
}

/** Seconds a step took (to `now` while it runs), null when its times are not known. */
export function stepSeconds(step: NamedStep, now: number): number | null {
  if (step.state === 'running') return step.startedAt ? spanSeconds(step.startedAt, new Date(now).toISOString()) : null;
  return spanSeconds(step.startedAt, step.finishedAt);
}
