/**
 * How a burst of "finished" notifications reads as one toast: "10 deployments finished,
 * 2 failed". Pure: the hook that shows the toast (hooks/use-notification-stream) feeds it.
 */
import { executionNoun } from '@/lib/executions/modules';
import type { ToastTone } from '@/lib/toast';

/** One notification of the burst: its level and, when known, its execution's module. */
export type BurstEntry = { level: string; module: string | null };

export type BurstToast = { tone: ToastTone; title: string; href: string; linkLabel: string };

export function burstToast(entries: readonly BurstEntry[]): BurstToast {
  const total = entries.length;
  const failed = entries.filter((entry) => entry.level === 'error').length;
  const cancelled = entries.filter((entry) => entry.level === 'warning').length;
  const modules = new Set(entries.map((entry) => entry.module));
  const module = modules.size === 1 ? [...modules][0] ?? null : null;
  const noun = executionNoun(module, total);
  const search = new URLSearchParams();
  if (failed > 0) search.set('status', 'FAILURE');
  if (module) search.set('module', module);
  const query = search.toString();
  return {
    tone: failed > 0 ? 'error' : cancelled > 0 ? 'warning' : 'success',
    title: burstTitle(total, noun, failed, cancelled),
    href: query ? `/?${query}` : '/',
    linkLabel: failed > 0 ? 'Show the failed ones' : 'Open the task list',
  };
}

function burstTitle(total: number, noun: string, failed: number, cancelled: number): string {
  if (failed === total) return `${total} ${noun} failed`;
  if (cancelled === total) return `${total} ${noun} cancelled`;
  const parts = [`${total} ${noun} finished`];
  if (failed > 0) parts.push(`${failed} failed`);
  if (cancelled > 0) parts.push(`${cancelled} cancelled`);
  return parts.join(', ');
}
