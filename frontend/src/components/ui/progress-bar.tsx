export type ProgressBarProps = {
  value: number;
  label: string;
  tone?: 'running' | 'success' | 'failure' | 'cancelled' | 'idle';
  animated?: boolean;
};

/** A determinate progress bar; `label` names it for assistive technology. */
export function ProgressBar({ value, label, tone = 'running', animated = false }: ProgressBarProps) {
  const clamped = Math.min(100, Math.max(0, Number.isFinite(value) ? value : 0));
  return (
    <div
      className={`progress progress-${tone}${animated ? ' progress-animated' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(clamped)}
    >
      <div className="progress-fill" style={{ width: `${clamped}%` }} />
    </div>
  );
}
