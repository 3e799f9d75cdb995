/**
 * Runs `tick` now and then every `intervalMs` after the previous tick finished (never two at
 * once); `stop` aborts the tick in flight, so nothing lands after the socket is back.
 */
export class Poller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private controller: AbortController | null = null;
  private running = false;
  private readonly intervalMs: number;
  private readonly tick: (signal: AbortSignal) => Promise<void>;

  constructor(intervalMs: number, tick: (signal: AbortSignal) => Promise<void>) {
    this.intervalMs = intervalMs;
    this.tick = tick;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.controller?.abort();
    this.controller = null;
  }

  private async run(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    try {
      await this.tick(controller.signal);
    } catch {
      // A failed tick (network down) is retried at the next one.
    }
    if (!this.running || controller.signal.aborted) return;
    this.timer = setTimeout(() => void this.run(), this.intervalMs);
  }
}
