import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';

import type { MetricsBucket } from '../api/get-metrics';

const COLORS = { succeeded: '#16a34a', failed: '#dc2626', retried: '#d97706', cancelled: '#94a3b8' };

function label(start: string, bucketSeconds: number): string {
  const date = new Date(start);
  if (bucketSeconds >= 86_400) return date.toLocaleDateString([], { month: 'short', day: 'numeric' });
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return bucketSeconds >= 3_600 ? `${date.toLocaleDateString([], { weekday: 'short' })} ${time}` : time;
}

// Points drawn: a bucket with work between empty ones (the usual first minutes) shows.
const DOT = { r: 2 };

type ChartProps = { buckets: MetricsBucket[]; bucketSeconds: number };

/** Outcomes per bucket, stacked; a tooltip on hover gives each count. */
export function OutcomesChart({ buckets, bucketSeconds }: ChartProps) {
  const rows = buckets.map((bucket) => ({ ...bucket, label: label(bucket.start, bucketSeconds) }));
  return (
    <figure className="chart" aria-label="Finished executions per bucket">
      <BarChart responsive data={rows} style={{ width: '100%', height: 260 }} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" tick={{ fontSize: 12 }} minTickGap={24} />
        <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
        <Tooltip />
        <Legend />
        <Bar dataKey="succeeded" name="Succeeded" stackId="b" fill={COLORS.succeeded} isAnimationActive={false} />
        <Bar dataKey="failed" name="Failed" stackId="b" fill={COLORS.failed} isAnimationActive={false} />
        <Bar dataKey="cancelled" name="Cancelled" stackId="b" fill={COLORS.cancelled} isAnimationActive={false} />
        <Bar dataKey="retried" name="Retried" fill={COLORS.retried} isAnimationActive={false} />
      </BarChart>
      <figcaption className="visually-hidden">Finished executions per bucket</figcaption>
    </figure>
  );
}

/** Runtime p50/p95/p99 and queue wait p95 per bucket, in seconds. */
export function LatencyChart({ buckets, bucketSeconds }: ChartProps) {
  const rows = buckets.map((bucket) => ({ ...bucket, label: label(bucket.start, bucketSeconds) }));
  return (
    <figure className="chart" aria-label="Runtime and queue wait percentiles">
      <LineChart responsive data={rows} style={{ width: '100%', height: 260 }} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" tick={{ fontSize: 12 }} minTickGap={24} />
        <YAxis tick={{ fontSize: 12 }} unit=" s" />
        <Tooltip />
        <Legend />
        <Line dataKey="runtime_p50" name="Runtime p50" stroke="#2563eb" dot={DOT} connectNulls isAnimationActive={false} />
        <Line dataKey="runtime_p95" name="Runtime p95" stroke="#7c3aed" dot={DOT} connectNulls isAnimationActive={false} />
        <Line dataKey="runtime_p99" name="Runtime p99" stroke="#db2777" dot={DOT} connectNulls isAnimationActive={false} />
        <Line dataKey="wait_p95" name="Queue wait p95" stroke="#d97706" dot={DOT} connectNulls isAnimationActive={false} />
      </LineChart>
      <figcaption className="visually-hidden">Runtime and queue wait percentiles</figcaption>
    </figure>
  );
}
