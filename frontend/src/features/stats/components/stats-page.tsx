// features/stats/components/: the /stats page: the per-module table and the per-day chart.

import { useId, useState } from 'react';

import { DataTable } from '@/components/ui/data-table';
import { QueryPanel } from '@/components/ui/query-panel';
import { statusLabel } from '@/lib/executions/status';
import { formatDuration, formatPercent } from '@/lib/format';
import { EXECUTION_STATUSES } from '@/types/api';

import { useStats, type ModuleStats, type StatsDay } from '../api/get-stats';

import { PerDayChart } from './per-day-chart';

const DAY_CHOICES = [7, 14, 30, 90];

/** `/stats`: per module counts by status, success rate, average and p95 duration, per day. */
export function StatsPage() {
  const [days, setDays] = useState(7);
  const [module, setModule] = useState('');
  const stats = useStats({ days });
  const daysId = useId();
  const moduleId = useId();
  const modules = stats.data?.modules ?? [];
  const shown = module ? modules.filter((item) => item.module === module) : modules;

  return (
    <>
      <div className="page-header">
        <h1 className="page-title">Statistics</h1>
        <div className="filters">
          <div className="field">
            <label htmlFor={daysId}>Period</label>
            <select id={daysId} value={days} onChange={(event) => setDays(Number(event.target.value))}>
              {DAY_CHOICES.map((choice) => (
                <option key={choice} value={choice}>
                  Last {choice} days
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={moduleId}>Module</label>
            <select id={moduleId} value={module} onChange={(event) => setModule(event.target.value)}>
              <option value="">All modules</option>
              {modules.map((item) => (
                <option key={item.module} value={item.module}>
                  {item.module || '(none)'}
                </option>
              ))}
            </select>
          </div>
        </div>
      </div>
      <QueryPanel
        query={stats}
        loading="Loading statistics…"
        error="Could not load statistics"
        isEmpty={() => shown.length === 0}
        empty="No executions in this period."
      >
        {() => (
          <>
            <ModulesTable modules={shown} />
            <section className="panel" aria-labelledby="per-day-heading">
              <h2 id="per-day-heading">Per day{module ? ` — ${module}` : ''}</h2>
              <PerDayChart days={sumPerDay(shown)} label={`Executions per day over the last ${days} days`} />
              <PerDayTable days={sumPerDay(shown)} />
            </section>
          </>
        )}
      </QueryPanel>
    </>
  );
}

function ModulesTable({ modules }: { modules: ModuleStats[] }) {
  const statuses = EXECUTION_STATUSES.filter((status) => modules.some((item) => item.counts[status]));
  return (
    <section className="panel" aria-labelledby="modules-heading">
      <h2 id="modules-heading">By module</h2>
      <DataTable columns={['Module', 'Total', ...statuses.map(statusLabel), 'Success rate', 'Average', 'p95']}>
        {modules.map((item) => (
          <tr key={item.module}>
            <th scope="row" data-label="Module">
              {item.module || '(none)'}
            </th>
            <td data-label="Total">{item.total}</td>
            {statuses.map((status) => (
              <td key={status} data-label={statusLabel(status)}>
                {item.counts[status] ?? 0}
              </td>
            ))}
            <td data-label="Success rate">
              {item.success_rate === null ? '—' : formatPercent(item.success_rate * 100, 1)}
            </td>
            <td data-label="Average">{formatDuration(item.avg_duration)}</td>
            <td data-label="p95">{formatDuration(item.p95_duration)}</td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

function PerDayTable({ days }: { days: StatsDay[] }) {
  return (
    <details>
      <summary>Show the numbers</summary>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Total</th>
            <th scope="col">Succeeded</th>
            <th scope="col">Failed</th>
          </tr>
        </thead>
        <tbody>
          {days.map((day) => (
            <tr key={day.date}>
              <th scope="row">{day.date}</th>
              <td>{day.total}</td>
              <td>{day.success}</td>
              <td>{day.failure}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** One series over the shown modules: each date's counts added up. */
function sumPerDay(modules: ModuleStats[]): StatsDay[] {
  const byDate = new Map<string, StatsDay>();
  for (const item of modules) {
    for (const day of item.per_day) {
      const sum = byDate.get(day.date) ?? { date: day.date, total: 0, success: 0, failure: 0 };
      sum.total += day.total;
      sum.success += day.success;
      sum.failure += day.failure;
      byDate.set(day.date, sum);
    }
  }
  return [...byDate.values()].sort((a, b) => a.date.localeCompare(b.date));
}
