/** Display helpers of the EDI page (sizes, segments, amounts). */
import type { ImportFileResult } from './api/types';

const UNITS = ['KB', 'MB', 'GB'] as const;

/** 512 bytes, 1.5 KB, 5 MB (powers of 1024, as the limits are set). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** "Segment 41 (PRI)", "—" for faults of the file as a whole (empty, binary, too large). */
export function segmentText(file: Pick<ImportFileResult, 'segment_position' | 'segment_tag'>): string {
  if (file.segment_position === null) return '—';
  return file.segment_tag ? `Segment ${file.segment_position} (${file.segment_tag})` : `Segment ${file.segment_position}`;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** "1,234.50 EUR" as the browser's locale writes it; the decimal string when unreadable. */
export function formatMoney(amount: string, currency: string): string {
  const value = Number(amount);
  if (!Number.isFinite(value)) return amount;
  let format = moneyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    } catch {
      return `${amount} ${currency}`;
    }
    moneyFormats.set(currency, format);
  }
  return format.format(value);
}
