import { backoffDelay } from './backoff';

/** The part of the browser WebSocket used here (tests pass a fake). */
export type SocketLike = {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
};

export type CreateSocket = (url: string) => SocketLike;

const OPEN = 1;
/** What a connection that died without a close frame reports (RFC 6455). */
export const ABNORMAL_CLOSURE = 1006;

export type ReconnectingSocketOptions = {
  url: string;
  createSocket: CreateSocket;
  random: () => number;
  /** Silence after which a ping is sent. */
  heartbeatMs: number;
  /** Time a ping may wait for any answer before the connection counts as dead. */
  heartbeatTimeoutMs: number;
  /** Time a connection may take to open. */
  connectTimeoutMs: number;
  /** Close codes after which reconnecting would not help (4403: forbidden origin). */
  fatalCodes: ReadonlySet<number>;
  onOpen: () => void;
  onMessage: (message: unknown) => void;
  onClose: (code: number, willRetry: boolean) => void;
};

/**
 * One WebSocket that comes back: exponential backoff with jitter between attempts, a
 * heartbeat that notices half-open connections, and a way to retry at once (going online).
 */
export class ReconnectingSocket {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private running = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;

  private readonly options: ReconnectingSocketOptions;

  constructor(options: ReconnectingSocketOptions) {
    this.options = options;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === OPEN;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.detach(1000);
  }

  /** The connection proved itself (the server said hello): the next drop starts at 1 s again. */
  markHealthy(): void {
    this.attempt = 0;
  }

  /** Skips the pending wait (the browser just came back online). */
  reconnectNow(): void {
    if (!this.running || this.socket) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  }

  send(message: object): boolean {
    if (!this.socket || !this.isOpen) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  private connect(): void {
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.options.url);
    } catch {
      this.closed(ABNORMAL_CLOSURE);
      return;
    }
    this.socket = socket;
    this.arm(this.options.connectTimeoutMs, () => this.kill());
    socket.onopen = () => {
      this.armHeartbeat();
      this.options.onOpen();
    };
    socket.onmessage = (event) => {
      this.armHeartbeat();
      const message = parse(event.data);
      if (message !== undefined) this.options.onMessage(message);
    };
    socket.onclose = (event) => {
      this.socket = null;
      this.closed(event.code);
    };
    socket.onerror = () => {
      // A close event always follows; reconnecting is decided there.
    };
  }

  private armHeartbeat(): void {
    this.arm(this.options.heartbeatMs, () => {
      this.send({ action: 'ping' });
      this.arm(this.options.heartbeatTimeoutMs, () => this.kill());
    });
  }

  private arm(ms: number, action: () => void): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(action, ms);
  }

  /** Gives up on a connection that stopped answering, without waiting for its close event. */
  private kill(): void {
    this.detach(4000);
    this.closed(ABNORMAL_CLOSURE);
  }

  private detach(code: number): void {
    clearTimeout(this.watchdog);
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(code);
    } catch {
      // Closing a socket that never opened may throw in some browsers; it is gone either way.
    }
  }

  private closed(code: number): void {
    clearTimeout(this.watchdog);
    const willRetry = this.running && !this.options.fatalCodes.has(code);
    this.options.onClose(code, willRetry);
    if (!willRetry) return;
    const delay = backoffDelay(this.attempt, this.options.random);
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.running) this.connect();
    }, delay);
  }
}

function parse(data: unknown): unknown {
  if (typeof data !== 'string') return undefined;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}
