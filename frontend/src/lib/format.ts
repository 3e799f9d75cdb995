/** Display helpers shared by every page (durations, dates, percentages). */

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total}s`;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${minutes}m ${String(secs).padStart(2, '0')}s`;
}

export function formatPercent(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value.toFixed(digits)}%`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatRelative(iso: string, now: number = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(seconds, 'second');
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

/** Seconds since `iso` (for a running task's duration), never negative. */
export function secondsSince(iso: string | null | undefined, now: number = Date.now()): number | null {
  if (!iso) return null;
  const start = new Date(iso).getTime();
  return Number.isNaN(start) ? null : Math.max(0, (now - start) / 1000);
}

/**
 * An execution's duration: whole seconds while it runs (it ticks), tenths under ten seconds
 * once it ended (exact: a 0.4 s task is not "0s").
 */
export function formatElapsed(seconds: number | null | undefined, exact: boolean): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (exact && seconds < 10) return `${(Math.round(Math.max(0, seconds) * 10) / 10).toFixed(1)}s`;
  return formatDuration(exact ? seconds : Math.floor(seconds));
}
