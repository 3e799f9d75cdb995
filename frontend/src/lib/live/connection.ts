/**
 * The state machine of the tab's live connection: "live" once the server said hello;
 * "reconnecting" right after a drop (and while connecting at first); "polling" when the
 * socket is still down after `pollGraceMs`. Reconnect attempts go on with backoff (1 s, 2 s,
 * 4 s ... 30 s, jittered), and at once when the browser comes back online.
 */
import {
  asServerMessage,
  CLOSE_ACCESS_CHANGED,
  CLOSE_FORBIDDEN_ORIGIN,
  CLOSE_UNAUTHENTICATED,
  type ClientMessage,
  type HelloMessage,
  type ServerMessage,
} from './protocol';
import { ReconnectingSocket, type ReconnectingSocketOptions } from './reconnecting-socket';

export type ConnectionState = 'live' | 'reconnecting' | 'polling';

const ACCESS_CODES: ReadonlySet<number> = new Set([CLOSE_UNAUTHENTICATED, CLOSE_ACCESS_CHANGED]);

type SocketOptions = Pick<
  ReconnectingSocketOptions,
  'url' | 'createSocket' | 'random' | 'heartbeatMs' | 'heartbeatTimeoutMs' | 'connectTimeoutMs'
>;

export type LiveConnectionOptions = SocketOptions & {
  /** How long the socket may stay down before polling takes over. */
  pollGraceMs: number;
  /** Called when the state changes. */
  onState: (state: ConnectionState) => void;
  /** Called when the server said hello; `catchUp` when events may have been missed before. */
  onLive: (hello: HelloMessage, catchUp: boolean) => void;
  /** Called with every server message but hello. */
  onMessage: (message: ServerMessage) => void;
  /** Called when the socket closed: nothing is subscribed on the server any more. */
  onDown: () => void;
  /**
   * Called when the server closed the socket because who the user is, or may see, changed:
   * 4401 (signed out, deactivated, password changed, token revoked) or 4409 (staff granted or
   * withdrawn). Reconnecting follows either way.
   */
  onAccessChanged: () => void;
};

export function defaultSocketUrl(location: Location = window.location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws/tasks/`;
}

export class LiveConnection {
  private readonly socket: ReconnectingSocket;
  private readonly options: LiveConnectionOptions;
  private state: ConnectionState = 'reconnecting';
  private started = false;
  private everLive = false;
  private missedEvents = false;
  private startTimer: ReturnType<typeof setTimeout> | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: LiveConnectionOptions) {
    this.options = options;
    this.socket = new ReconnectingSocket({
      url: options.url,
      createSocket: options.createSocket,
      random: options.random,
      heartbeatMs: options.heartbeatMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      fatalCodes: new Set([CLOSE_FORBIDDEN_ORIGIN]),
      onOpen: () => undefined,
      onMessage: (message) => this.handleMessage(message),
      onClose: (code, willRetry) => this.handleClose(code, willRetry),
    });
  }

  get isStarted(): boolean {
    return this.started;
  }

  getState(): ConnectionState {
    return this.state;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    // Deferred: React's StrictMode mounts, unmounts and mounts again in one go, and a socket
    // opened and closed at once makes the browser print a warning.
    this.startTimer = setTimeout(() => this.socket.start(), 0);
    this.armGrace();
    window.addEventListener('online', this.handleOnline);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    clearTimeout(this.startTimer);
    clearTimeout(this.graceTimer);
    this.socket.stop();
    window.removeEventListener('online', this.handleOnline);
    this.setState('reconnecting');
  }

  /** Sends when the socket is open; false when it is not. */
  send(message: ClientMessage): boolean {
    return this.socket.send(message);
  }

  private readonly handleOnline = () => this.socket.reconnectNow();

  private handleMessage(raw: unknown): void {
    const message = asServerMessage(raw);
    if (!message) return;
    if (message.type === 'hello') this.enterLive(message);
    else this.options.onMessage(message);
  }

  private enterLive(hello: HelloMessage): void {
    clearTimeout(this.graceTimer);
    this.socket.markHealthy();
    const catchUp = this.everLive || this.missedEvents;
    this.everLive = true;
    this.missedEvents = false;
    this.setState('live');
    this.options.onLive(hello, catchUp);
  }

  private handleClose(code: number, willRetry: boolean): void {
    this.options.onDown();
    if (ACCESS_CODES.has(code)) this.options.onAccessChanged();
    if (this.state === 'live') {
      this.missedEvents = true;
      this.setState('reconnecting');
      this.armGrace();
    }
    if (!willRetry) this.enterPolling();
  }

  private armGrace(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => this.enterPolling(), this.options.pollGraceMs);
  }

  private enterPolling(): void {
    if (!this.started || this.state === 'live') return;
    this.missedEvents = true;
    this.setState('polling');
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onState(state);
  }
}
