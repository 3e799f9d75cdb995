import type { StepState } from '@/lib/executions/steps';

export type ChecklistStep = {
  label: string;
  state: StepState;
  detail?: string | undefined;
  /** How long it took (or has been running), already formatted. */
  duration?: string | undefined;
};

const STATE_TEXT: Record<StepState, string> = {
  completed: 'completed',
  running: 'in progress',
  failed: 'failed',
  cancelled: 'cancelled',
  skipped: 'not run',
  pending: 'pending',
};

/** Seed 000's checklist: completed steps checked, the running one animated, the rest muted. */
export function StepChecklist({ steps, label = 'Steps' }: { steps: ChecklistStep[]; label?: string }) {
  return (
    <ol className="step-list" aria-label={label}>
      {steps.map((step, index) => (
        <li key={index} className={`step step-${step.state}`} aria-current={step.state === 'running' ? 'step' : undefined}>
          <span className="step-icon" aria-hidden="true" />
          <span className="step-text">
            <span className="step-label">{step.label}</span>
            {step.detail && <span className="step-detail">{step.detail}</span>}
          </span>
          {step.duration && <span className="step-duration">{step.duration}</span>}
          <span className="visually-hidden">({STATE_TEXT[step.state]})</span>
        </li>
      ))}
    </ol>
  );
}
