import { formatPercent } from '@/lib/format';

import { ProgressBar, type ProgressBarProps } from './progress-bar';

/** A progress bar with its percentage beside it. */
export function ProgressRow(props: ProgressBarProps) {
  return (
    <div className="progress-row">
      <ProgressBar {...props} />
      <span className="progress-percent">{formatPercent(props.value)}</span>
    </div>
  );
}
