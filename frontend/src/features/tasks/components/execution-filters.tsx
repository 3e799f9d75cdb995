import { useId, useState } from 'react';

import { TextFilter } from '@/components/ui/text-filter';
import { EXECUTION_KINDS, type ExecutionCounts, type ExecutionKind } from '@/types/api';

import type { MonitorFilters } from '../hooks/use-execution-filters';

type ExecutionFiltersProps = {
  filters: MonitorFilters;
  counts: ExecutionCounts | undefined;
  onChange: (change: Partial<MonitorFilters>) => void;
};

/** Module and task name, chosen among those that exist (with their counts), and a search. */
export function ExecutionFilters({ filters, counts, onChange }: ExecutionFiltersProps) {
  return (
    <form className="filters" role="search" aria-label="Filter tasks" onSubmit={(event) => event.preventDefault()}>
      <ModuleSelect value={filters.module} counts={counts?.module} onChange={(module) => onChange({ module })} />
      <NameFilter value={filters.name} counts={counts?.name} onChange={(name) => onChange({ name })} />
      <KindSelect value={filters.kind} counts={counts?.kind} onChange={(kind) => onChange({ kind })} />
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

/** The facet's values, most frequent first, the current one kept even when it counts none. */
function options(counts: Record<string, number> | undefined, current: string): [string, number][] {
  const entries = Object.entries(counts ?? {}).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  if (current && !entries.some(([value]) => value === current)) entries.unshift([current, 0]);
  return entries;
}

function ModuleSelect({ value, counts, onChange }: { value: string; counts: Record<string, number> | undefined; onChange: (module: string) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Module</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">All modules</option>
        {options(counts, value).map(([module, count]) => (
          <option key={module} value={module}>
            {module || '(none)'} ({count})
          </option>
        ))}
      </select>
    </div>
  );
}

const KIND_NAMES: Record<ExecutionKind, string> = { celery: 'Celery', django: 'django.tasks' };

type KindSelectProps = {
  value: ExecutionKind | '';
  counts: Partial<Record<ExecutionKind, number>> | undefined;
  onChange: (kind: ExecutionKind | '') => void;
};

/** Celery tasks, tasks of Django's tasks framework, or both. */
function KindSelect({ value, counts, onChange }: KindSelectProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Kind</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as ExecutionKind | '')}>
        <option value="">All kinds</option>
        {EXECUTION_KINDS.map((kind) => (
          <option key={kind} value={kind}>
            {KIND_NAMES[kind]} ({counts?.[kind] ?? 0})
          </option>
        ))}
      </select>
    </div>
  );
}

type NameFilterProps = { value: string; counts: Record<string, number> | undefined; onChange: (name: string) => void };

/**
 * The task name, searched among the names that exist: typing narrows the suggestions, and the
 * list is filtered once a whole name is picked (the API matches names exactly).
 */
function NameFilter({ value, counts, onChange }: NameFilterProps) {
  const id = useId();
  const listId = `${id}-names`;
  const hintId = `${id}-hint`;
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  if (value !== seen) {
    setSeen(value);
    setText(value);
  }
  const names = options(counts, value);
  const known = text === '' || names.some(([name]) => name === text);
  const change = (next: string) => {
    setText(next);
    if (next === '' || names.some(([name]) => name === next)) onChange(next);
  };
  return (
    <div className="field">
      <label htmlFor={id}>Task name</label>
      <input
        id={id}
        type="search"
        list={listId}
        placeholder="Any task"
        autoComplete="off"
        value={text}
        aria-describedby={known ? undefined : hintId}
        onChange={(event) => change(event.target.value)}
      />
      <datalist id={listId}>
        {names.map(([name, count]) => (
          <option key={name} value={name}>
            {count} {count === 1 ? 'execution' : 'executions'}
          </option>
        ))}
      </datalist>
      {!known && (
        <p className="field-hint" id={hintId}>
          Pick one of the suggested names.
        </p>
      )}
    </div>
  );
}
