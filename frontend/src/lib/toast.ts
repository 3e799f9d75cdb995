/** A tiny store of toasts shown by <Toaster />; any feature may call `toast(...)`. */

export type ToastTone = 'info' | 'success' | 'warning' | 'error';

export type Toast = {
  id: number;
  title: string;
  message?: string;
  tone: ToastTone;
  href?: string;
  /** Link text when `href` is set on a toast whose title is not the link (a burst's). */
  linkLabel?: string;
  /**
   * What the toast is about ("execution-42"), one name or several: a new toast with one of
   * them replaces it where it stands ("Cancelling..." becomes "Cancelled"), its time on
   * screen starting again.
   */
  key?: string | readonly string[];
};

function keysOf(item: Pick<Toast, 'key'>): readonly string[] {
  if (item.key === undefined) return [];
  return typeof item.key === 'string' ? [item.key] : item.key;
}

type Listener = () => void;

let toasts: readonly Toast[] = [];
let nextId = 1;
const listeners = new Set<Listener>();
const timers = new Map<number, ReturnType<typeof setTimeout>>();

export const TOAST_DURATION_MS = 6000;
const MAX_TOASTS = 5;

function publish(next: readonly Toast[]) {
  toasts = next;
  for (const listener of [...listeners]) listener();
}

export function toast(input: Omit<Toast, 'id'>, durationMs = TOAST_DURATION_MS): number {
  const keys = keysOf(input);
  const existing = toasts.find((item) => keysOf(item).some((key) => keys.includes(key)));
  if (existing) {
    publish(toasts.map((item) => (item.id === existing.id ? { ...input, id: existing.id } : item)));
    clearTimeout(timers.get(existing.id));
    timers.set(
      existing.id,
      setTimeout(() => dismissToast(existing.id), durationMs),
    );
    return existing.id;
  }
  const id = nextId++;
  const next = [...toasts, { ...input, id }];
  for (const dropped of next.slice(0, Math.max(0, next.length - MAX_TOASTS))) {
    clearTimeout(timers.get(dropped.id));
    timers.delete(dropped.id);
  }
  publish(next.slice(-MAX_TOASTS));
  timers.set(
    id,
    setTimeout(() => dismissToast(id), durationMs),
  );
  return id;
}

export function dismissToast(id: number): void {
  clearTimeout(timers.get(id));
  timers.delete(id);
  if (toasts.some((item) => item.id === id)) publish(toasts.filter((item) => item.id !== id));
}

export function clearToasts(): void {
  for (const timer of timers.values()) clearTimeout(timer);
  timers.clear();
  publish([]);
}

/** Whether a toast about `key` is on screen. */
export function hasToast(key: string): boolean {
  return toasts.some((item) => keysOf(item).includes(key));
}

export function getToasts(): readonly Toast[] {
  return toasts;
}

export function subscribeToasts(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
