import { TextFilter } from '@/components/ui/text-filter';
import { statusLabel } from '@/lib/executions/status';
import { EXECUTION_STATUSES } from '@/types/api';

import type { MonitorFilters } from '../hooks/use-execution-filters';

type ExecutionFiltersProps = {
  filters: MonitorFilters;
  onChange: (change: Partial<MonitorFilters>) => void;
};

export function ExecutionFilters({ filters, onChange }: ExecutionFiltersProps) {
  return (
    <form className="filters" role="search" aria-label="Filter tasks" onSubmit={(event) => event.preventDefault()}>
      <div className="field">
        <label htmlFor="filter-status">Status</label>
        <select
          id="filter-status"
          value={filters.status}
          onChange={(event) => onChange({ status: event.target.value as MonitorFilters['status'] })}
        >
          <option value="">Any status</option>
          {EXECUTION_STATUSES.map((status) => (
            <option key={status} value={status}>
              {statusLabel(status)}
            </option>
          ))}
        </select>
      </div>
      <TextFilter
        label="Module"
        type="text"
        placeholder="deploy, edi…"
        value={filters.module}
        onCommit={(value) => onChange({ module: value })}
      />
      <TextFilter
        label="Search"
        type="search"
        placeholder="Title, name, message or task id"
        grow
        value={filters.search}
        onCommit={(value) => onChange({ search: value })}
      />
    </form>
  );
}
