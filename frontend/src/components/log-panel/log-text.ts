import type { LogLine } from '@/types/api';

export function formatLogTime(ts: string): string {
  const date = new Date(ts);
  if (Number.isNaN(date.getTime())) return ts;
  return date.toLocaleTimeString(undefined, { hour12: false });
}

/** The lines as plain text, one per line, for copy and download. */
export function logText(lines: readonly LogLine[]): string {
  return lines.map((line) => `${line.ts} [${line.level}] ${line.message}`).join('\n');
}

export function levelClass(level: string): string {
  const normalized = level.toLowerCase();
  return ['debug', 'info', 'warning', 'error'].includes(normalized) ? normalized : 'info';
}

/** Starts a download of `text` as a .txt file. */
export function downloadText(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
