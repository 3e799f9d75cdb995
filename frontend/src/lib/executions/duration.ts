import { secondsSince } from '@/lib/format';
import type { Execution } from '@/types/api';

type Timed = Pick<Execution, 'is_active' | 'started_at' | 'finished_at' | 'duration'>;

/**
 * How long an execution ran: to `now` while it runs, from its start to its end once it ended.
 * The server's `duration` is only a fallback: in a snapshot of a running task it is already
 * stale, so two places reading it and the clock would disagree.
 */
export function executionDuration(execution: Timed, now: number): number | null {
  if (!execution.started_at) return null;
  if (execution.is_active) return secondsSince(execution.started_at, now);
  if (execution.finished_at) return spanSeconds(execution.started_at, execution.finished_at);
  return execution.duration;
}

/** Seconds from `start` to `end` (ISO times), or null when either is missing or unreadable. */
export function spanSeconds(start: string | null | undefined, end: string | null | undefined): number | null {
  if (!start || !end) return null;
  const seconds = (new Date(end).getTime() - new Date(start).getTime()) / 1000;
  return Number.isFinite(seconds) ? Math.max(0, seconds) : null;
}
