// features/operations/components/: the /task-metrics page (staff; /metrics is the Prometheus endpoint).

import { useSearchParams } from 'react-router';

import { DataTable, type Column } from '@/components/ui/data-table';
import { QueryPanel } from '@/components/ui/query-panel';
import { TextFilter } from '@/components/ui/text-filter';
import { formatPercent } from '@/lib/format';

import { useMetrics, type MetricsFilters } from '../api/get-metrics';
import { formatSeconds, rangeFrom } from '../format';
import { RangePicker } from './range-picker';
import { LatencyChart, OutcomesChart } from './metrics-charts';

const TASK_COLUMNS: Column[] = ['Task', 'Succeeded', 'Failed', 'Failure rate', 'Retried', 'Cancelled', 'p50', 'p95', 'p99', 'Wait p95'];

/** `/task-metrics` (staff): range and filters live in the URL, so a view can be shared. */
export function MetricsPage() {
  const [params, setParams] = useSearchParams();
  const filters: MetricsFilters = {
    range: rangeFrom(params.get('range'), '1h'),
    module: params.get('module') ?? '',
    name: params.get('name') ?? '',
    queue: params.get('queue') ?? '',
  };
  const metrics = useMetrics(filters);
  const update = (changes: Partial<MetricsFilters>) => {
    const next = { ...filters, ...changes };
    setParams(Object.fromEntries(Object.entries(next).filter(([, value]) => value !== '')));
  };
  return (
    <>
      <div className="page-header">
        <h1 className="page-title">Metrics</h1>
        <RangePicker value={filters.range} onChange={(range) => update({ range })} />
      </div>
      <div className="filters" role="search" aria-label="Metrics filters">
        <TextFilter label="Module" value={filters.module} onCommit={(module) => update({ module })} />
        <TextFilter label="Task name" value={filters.name} onCommit={(name) => update({ name })} />
        <TextFilter label="Queue" value={filters.queue} onCommit={(queue) => update({ queue })} />
      </div>
      <QueryPanel query={metrics} loading="Loading metrics…" error="Could not load metrics">
        {(data) => (
          <>
            <section className="panel" aria-labelledby="outcomes-heading">
              <h2 id="outcomes-heading">Finished</h2>
              <OutcomesChart buckets={data.buckets} bucketSeconds={data.bucket_seconds} />
            </section>
            <section className="panel" aria-labelledby="latency-heading">
              <h2 id="latency-heading">Runtime and queue wait</h2>
              <LatencyChart buckets={data.buckets} bucketSeconds={data.bucket_seconds} />
            </section>
            <section className="panel" aria-labelledby="tasks-heading">
              <h2 id="tasks-heading">Per task</h2>
              <DataTable caption="Per task in the range" columns={TASK_COLUMNS}>
                {data.tasks.map((task) => (
                  <tr key={task.name}>
                    <th scope="row" data-label="Task" className="break-all">
                      {task.name}
                    </th>
                    <td data-label="Succeeded">{task.succeeded}</td>
                    <td data-label="Failed">{task.failed}</td>
                    <td data-label="Failure rate">{formatPercent(task.failure_rate === null ? null : task.failure_rate * 100, 1)}</td>
                    <td data-label="Retried">{task.retried}</td>
                    <td data-label="Cancelled">{task.cancelled}</td>
                    <td data-label="p50">{formatSeconds(task.runtime_p50)}</td>
                    <td data-label="p95">{formatSeconds(task.runtime_p95)}</td>
                    <td data-label="p99">{formatSeconds(task.runtime_p99)}</td>
                    <td data-label="Wait p95">{formatSeconds(task.wait_p95)}</td>
                  </tr>
                ))}
              </DataTable>
            </section>
          </>
        )}
      </QueryPanel>
    </>
  );
}
