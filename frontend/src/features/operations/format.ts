import { RANGES, type Range } from './api/get-failures';

/** A range from the URL, or `fallback` when it names none. */
export function rangeFrom(value: string | null, fallback: Range): Range {
  return (RANGES as readonly string[]).includes(value ?? '') ? (value as Range) : fallback;
}

/** Sub-second figures matter here (a p50 of 40 ms): milliseconds below a second. */
export function formatSeconds(value: number | null): string {
  if (value === null) return '—';
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  return value < 60 ? `${value.toFixed(1)} s` : `${Math.floor(value / 60)}m ${Math.round(value % 60)}s`;
}
