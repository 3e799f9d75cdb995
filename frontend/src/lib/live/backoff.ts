export type BackoffOptions = {
  initialMs?: number;
  maxMs?: number;
  /** Each delay is spread by up to this fraction either way, so that tabs do not reconnect in step. */
  jitter?: number;
};

/**
 * The wait before reconnect attempt `attempt` (0-based): 1 s, 2 s, 4 s ... capped at 30 s,
 * each spread by ±20 % and never above the cap. `random` is Math.random (a test fixes it).
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  { initialMs = 1000, maxMs = 30_000, jitter = 0.2 }: BackoffOptions = {},
): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt));
  const spread = 1 + jitter * (2 * random() - 1);
  return Math.round(Math.min(maxMs, base * spread));
}
