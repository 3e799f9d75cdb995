import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';

import type { StatsDay } from '../api/get-stats';

type ChartRow = { date: string; success: number; failure: number; other: number };

const COLORS = { success: '#16a34a', failure: '#dc2626', other: '#94a3b8' };

/** Executions per day, stacked by outcome (succeeded, failed, other: running or cancelled). */
export function PerDayChart({ days, label }: { days: StatsDay[]; label: string }) {
  const rows: ChartRow[] = days.map((day) => ({
    date: day.date.slice(5),
    success: day.success,
    failure: day.failure,
    other: Math.max(0, day.total - day.success - day.failure),
  }));
  return (
    <figure className="chart" aria-label={label}>
      <BarChart responsive data={rows} style={{ width: '100%', height: 260 }} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="date" tick={{ fontSize: 12 }} />
        <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
        <Tooltip />
        <Legend />
        <Bar dataKey="success" name="Succeeded" stackId="day" fill={COLORS.success} />
        <Bar dataKey="failure" name="Failed" stackId="day" fill={COLORS.failure} />
        <Bar dataKey="other" name="Cancelled or running" stackId="day" fill={COLORS.other} />
      </BarChart>
      <figcaption className="visually-hidden">{label}</figcaption>
    </figure>
  );
}
