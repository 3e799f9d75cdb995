import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';

import { StepChecklist } from '@/components/ui/step-checklist';
import { executionKeys } from '@/lib/executions/keys';
import { namedSteps, stepSeconds } from '@/lib/executions/steps';
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
  const steps = namedSteps(execution, fallbackNames);
  const running = steps.some((step) => step.state === 'running' && step.startedAt);
  const now = useNow(1000, running);
  useStepTimesRefresh(execution);
  if (steps.length === 0) return null;
  return (
    <StepChecklist
      label={label}
      steps={steps.map((step) => ({
        label: step.name,
        state: step.state,
        detail: step.state === 'running' ? execution.message || undefined : undefined,
        duration: durationText(stepSeconds(step, now), step.state === 'running'),
      }))}
    />
  );
}

function durationText(seconds: number | null, running: boolean): string | undefined {
  return seconds === null ? undefined : formatElapsed(seconds, !running);
}

/**
 * A step's times are written by the server when the task moves on; live events carry the
 * step number only. When it changes, the detail (with `steps`) is read again, once.
 */
function useStepTimesRefresh(execution: Execution) {
  const queryClient = useQueryClient();
  const seen = useRef<string | null>(null);
  const key = `${execution.id}:${execution.current_step}:${execution.status}`;
  const hasSteps = execution.steps !== undefined;
  useEffect(() => {
    const previous = seen.current;
    seen.current = key;
    if (previous === null || previous === key || !hasSteps) return;
    void queryClient.invalidateQueries({ queryKey: executionKeys.detail(execution.id), exact: true });
  }, [key, hasSteps, execution.id, queryClient]);
}
