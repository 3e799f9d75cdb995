import { useSyncExternalStore } from 'react';

/**
 * One clock per interval for the whole page: every running duration reads the same tick, so
 * two places showing the same execution's duration never disagree by a second.
 */
type Clock = { now: number; listeners: Set<() => void>; timer?: ReturnType<typeof setInterval> };

const clocks = new Map<number, Clock>();

function clockFor(intervalMs: number): Clock {
  let clock = clocks.get(intervalMs);
  if (!clock) {
    clock = { now: Date.now(), listeners: new Set() };
    clocks.set(intervalMs, clock);
  }
  return clock;
}

function subscribeTo(intervalMs: number) {
  return (listener: () => void) => {
    const clock = clockFor(intervalMs);
    clock.listeners.add(listener);
    if (clock.timer === undefined) {
      clock.now = Date.now();
      clock.timer = setInterval(() => {
        clock.now = Date.now();
        for (const notify of [...clock.listeners]) notify();
      }, intervalMs);
    }
    return () => {
      clock.listeners.delete(listener);
      if (clock.listeners.size === 0) {
        clearInterval(clock.timer);
        clock.timer = undefined;
      }
    };
  };
}

const subscribers = new Map<number, (listener: () => void) => () => void>();
const idle = () => () => undefined;

/** The current time, refreshed every `intervalMs` while `enabled` (for running durations). */
export function useNow(intervalMs = 1000, enabled = true): number {
  let subscribe = subscribers.get(intervalMs);
  if (!subscribe) {
    subscribe = subscribeTo(intervalMs);
    subscribers.set(intervalMs, subscribe);
  }
  const clock = clockFor(intervalMs);
  return useSyncExternalStore(enabled ? subscribe : idle, () => read(clock, intervalMs));
}

/** The clock's time; an idle one (nobody ticking) is read afresh once it is a tick old. */
function read(clock: Clock, intervalMs: number): number {
  if (clock.timer === undefined && Date.now() - clock.now >= intervalMs) clock.now = Date.now();
  return clock.now;
}
