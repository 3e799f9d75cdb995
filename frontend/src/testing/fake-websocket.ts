import type { SocketLike } from '@/lib/live/reconnecting-socket';

/** A WebSocket double driven by the test: open it, push server frames, close it. */
export class FakeWebSocket implements SocketLike {
  static instances: FakeWebSocket[] = [];

  readyState = 0;
  readonly sent: unknown[] = [];
  closedWith: number | undefined;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  readonly url: string;

  constructor(url: string) {
    this.url = url;
    FakeWebSocket.instances.push(this);
  }

  static reset(): void {
    FakeWebSocket.instances = [];
  }

  static latest(): FakeWebSocket {
    const socket = FakeWebSocket.instances.at(-1);
    if (!socket) throw new Error('no WebSocket was opened');
    return socket;
  }

  static create = (url: string) => new FakeWebSocket(url);

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data));
  }

  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  // --- test side ---

  /** The handshake succeeds; with `user`, the server says hello as a session login does. */
  open(user: { id: number; username: string; is_staff?: boolean } | null = DEFAULT_USER): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
    if (user) this.receive({ type: 'hello', user, server_time: new Date().toISOString() });
  }

  receive(message: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(message) }));
  }

  /** The server (or the network) ends the connection. */
  serverClose(code = 1006): void {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code }));
  }

  /** The handshake fails (server down). */
  fail(): void {
    this.onerror?.(new Event('error'));
    this.serverClose(1006);
  }

  sentActions(): unknown[] {
    return this.sent.filter((message) => (message as { action?: string }).action !== 'ping');
  }
}

const DEFAULT_USER = { id: 3, username: 'ana', is_staff: false };
