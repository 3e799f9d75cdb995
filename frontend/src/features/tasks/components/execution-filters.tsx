import { useDebouncedInput } from '@/hooks/use-debounced-input';
import { statusLabel } from '@/lib/executions/status';
import { EXECUTION_STATUSES } from '@/types/api';

import type { MonitorFilters } from '../hooks/use-execution-filters';

type ExecutionFiltersProps = {
  filters: MonitorFilters;
  onChange: (change: Partial<MonitorFilters>) => void;
};

export function ExecutionFilters({ filters, onChange }: ExecutionFiltersProps) {
  const search = useDebouncedInput(filters.search, (value) => onChange({ search: value }));
  const module = useDebouncedInput(filters.module, (value) => onChange({ module: value }));

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
      <div className="field">
        <label htmlFor="filter-module">Module</label>
        <input
          id="filter-module"
          type="text"
          placeholder="deploy, edi…"
          value={module.value}
          onChange={(event) => module.setValue(event.target.value)}
        />
      </div>
      <div className="field field-grow">
        <label htmlFor="filter-search">Search</label>
        <input
          id="filter-search"
          type="search"
          placeholder="Title, name, message or task id"
          value={search.value}
          onChange={(event) => search.setValue(event.target.value)}
        />
      </div>
    </form>
  );
}
