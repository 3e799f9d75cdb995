import { useState } from 'react';

import { StepChecklist } from '@/components/ui/step-checklist';
import { namedSteps, stepSeconds, type NamedStep } from '@/lib/executions/steps';
import { formatElapsed } from '@/lib/format';
import { useNow } from '@/hooks/use-now';
import type { Execution } from '@/types/api';

type ExecutionStepsProps = {
  execution: Execution;
  /** Names the list for assistive technology. */
  label?: string;
  /** Step names a module knows before the server does (the deploy plan). */
  fallbackNames?: readonly string[];
};

/**
 * The named steps of any tracked execution: done, running (with its live message), the one it
 * failed or was cancelled at, and how long each took. The error itself is not repeated here:
 * the page shows it once, in its outcome.
 */
export function ExecutionSteps({ execution, label = 'Steps', fallbackNames = [] }: ExecutionStepsProps) {
  const running = execution.is_active && execution.current_step > 0;
  const now = useNow(1000, running);
  const observed = useObservedStepTimes(execution, now);
  const steps = namedSteps(execution, fallbackNames);
  if (steps.length === 0) return null;
  return (
    <StepChecklist
      label={label}
      steps={steps.map((step) => {
        const timed = withObservedTimes(step, observed[step.index]);
        return {
          label: step.name,
          state: step.state,
          detail: step.state === 'running' ? execution.message || undefined : undefined,
          duration: durationText(stepSeconds(timed, now), step.state !== 'running' && timed === step),
        };
      })}
    />
  );
}

function durationText(seconds: number | null, exact: boolean): string | undefined {
  return seconds === null ? undefined : formatElapsed(seconds, exact);
}

type StepTimes = { startedAt?: string; finishedAt?: string };

/** The server's times of a step, or those this page saw it start and end at. */
function withObservedTimes(step: NamedStep, seen: StepTimes | undefined): NamedStep {
  if (!seen || (step.startedAt && (step.finishedAt || step.state === 'running'))) return step;
  return { ...step, startedAt: step.startedAt ?? seen.startedAt ?? null, finishedAt: step.finishedAt ?? seen.finishedAt ?? null };
}

type Observed = { key: string; step: number; active: boolean; times: Record<number, StepTimes> };

/**
 * When this page saw each step start and end. The server writes a step's times when the task
 * moves on, but a live event carries the step number only: until the detail is read again
 * (at the next status change) the steps are timed by what was seen, to the second.
 */
function useObservedStepTimes(execution: Execution, now: number): Record<number, StepTimes> {
  const key = `${execution.id}:${execution.current_step}:${execution.is_active}`;
  const [state, setState] = useState<Observed>({ key, step: execution.current_step, active: execution.is_active, times: {} });
  if (state.key !== key) {
    const at = new Date(now).toISOString();
    const sameExecution = state.key.startsWith(`${execution.id}:`);
    const times = sameExecution ? { ...state.times } : {};
    const { current_step: step, is_active: active } = execution;
    if (sameExecution && step !== state.step) {
      if (state.step > 0) times[state.step] = { ...times[state.step], finishedAt: times[state.step]?.finishedAt ?? at };
      if (step > 0) times[step] = { startedAt: at };
    }
    if (sameExecution && !active && state.active && step > 0) times[step] = { ...times[step], finishedAt: times[step]?.finishedAt ?? at };
    setState({ key, step, active, times });
  }
  return state.times;
}
