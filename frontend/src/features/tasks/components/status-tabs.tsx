import { statusLabel } from '@/lib/executions/status';
import { ACTIVE_STATUSES, EXECUTION_STATUSES, type ExecutionCounts } from '@/types/api';

import type { StatusTab } from '../hooks/use-execution-filters';

type StatusTabsProps = {
  value: StatusTab;
  counts: ExecutionCounts['status'] | undefined;
  onChange: (status: StatusTab) => void;
  /** The id of the list they filter. */
  controls: string;
};

/**
 * One tab per status with its count, and "All" and "Active" (queued or running): toggle
 * buttons, the pressed one being the list's status filter.
 */
export function StatusTabs({ value, counts, onChange, controls }: StatusTabsProps) {
  const count = (status: string) => counts?.[status as keyof typeof counts] ?? 0;
  const tabs: { value: StatusTab; label: string; count: number }[] = [
    { value: '', label: 'All', count: EXECUTION_STATUSES.reduce((sum, status) => sum + count(status), 0) },
    { value: 'active', label: 'Active', count: [...ACTIVE_STATUSES].reduce((sum, status) => sum + count(status), 0) },
    ...EXECUTION_STATUSES.map((status) => ({ value: status, label: statusLabel(status), count: count(status) })),
  ];
  return (
    <div className="status-tabs" role="group" aria-label="Status">
      {tabs.map((tab) => (
        <button
          key={tab.value || 'all'}
          type="button"
          className={`status-tab${tab.count === 0 ? ' status-tab-empty' : ''}`}
          aria-pressed={value === tab.value}
          aria-controls={controls}
          onClick={() => onChange(tab.value)}
        >
          {tab.label}{' '}
          <span className="status-tab-count">{counts ? tab.count : '…'}</span>
        </button>
      ))}
    </div>
  );
}
