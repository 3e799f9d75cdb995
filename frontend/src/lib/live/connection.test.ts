import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { FakeWebSocket } from '@/testing/fake-websocket';

import { LiveConnection, type ConnectionState, type LiveConnectionOptions } from './connection';

let connection: LiveConnection;
let states: ConnectionState[];
let handlers: ReturnType<typeof createHandlers>;

function createHandlers() {
  return {
    onLive: vi.fn<LiveConnectionOptions['onLive']>(),
    onMessage: vi.fn<LiveConnectionOptions['onMessage']>(),
    onDown: vi.fn<LiveConnectionOptions['onDown']>(),
    onAccessChanged: vi.fn<LiveConnectionOptions['onAccessChanged']>(),
  };
}

function start(options: Partial<LiveConnectionOptions> = {}) {
  states = [];
  handlers = createHandlers();
  connection = new LiveConnection({
    url: 'ws://testserver/ws/tasks/',
    createSocket: FakeWebSocket.create,
    random: () => 0.5,
    pollGraceMs: 2000,
    heartbeatMs: 25_000,
    heartbeatTimeoutMs: 10_000,
    connectTimeoutMs: 10_000,
    onState: (state) => states.push(state),
    ...handlers,
    ...options,
  });
  connection.start();
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  connection.stop();
  vi.useRealTimers();
});

describe('LiveConnection', () => {
  it('goes live on hello, and asks for a catch-up after every drop but not the first time', async () => {
    start();
    await vi.advanceTimersByTimeAsync(0);
    FakeWebSocket.latest().open();
    expect(connection.getState()).toBe('live');
    expect(handlers.onLive).toHaveBeenLastCalledWith(expect.objectContaining({ type: 'hello' }), false);

    FakeWebSocket.latest().serverClose(1006);
    expect(handlers.onDown).toHaveBeenCalledTimes(1);
    expect(connection.getState()).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.latest().open();
    expect(handlers.onLive).toHaveBeenLastCalledWith(expect.objectContaining({ type: 'hello' }), true);
    expect(states).toEqual(['live', 'reconnecting', 'live']);
  });

  it('polls once the grace period is over and the socket is still down, never while live', async () => {
    start({ pollGraceMs: 2000 });
    await vi.advanceTimersByTimeAsync(0);
    FakeWebSocket.latest().fail();
    await vi.advanceTimersByTimeAsync(1999);
    expect(connection.getState()).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1);
    expect(connection.getState()).toBe('polling');

    await vi.advanceTimersByTimeAsync(2000); // the second attempt
    FakeWebSocket.latest().open();
    expect(connection.getState()).toBe('live');
    // The first hello after polling catches up: events were missed.
    expect(handlers.onLive).toHaveBeenLastCalledWith(expect.anything(), true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(connection.getState()).toBe('live');
  });

  it('passes the other messages on and ignores what is not a server message', async () => {
    start();
    await vi.advanceTimersByTimeAsync(0);
    const socket = FakeWebSocket.latest();
    socket.open();
    socket.receive({ type: 'pong' });
    socket.receive({ type: 'task.log' }); // no execution_id: not routable
    socket.receive({ nothing: true });
    expect(handlers.onMessage.mock.calls).toEqual([[{ type: 'pong' }]]);
  });

  it('reports 4401 and 4409 as a change of access and reconnects, and gives up on 4403 for polling', async () => {
    start();
    await vi.advanceTimersByTimeAsync(0);
    FakeWebSocket.latest().serverClose(4401);
    expect(handlers.onAccessChanged).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    FakeWebSocket.latest().serverClose(4409);
    expect(handlers.onAccessChanged).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(2000);
    FakeWebSocket.latest().serverClose(1000);
    expect(handlers.onAccessChanged).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(4000);
    FakeWebSocket.latest().serverClose(4403);
    expect(connection.getState()).toBe('polling');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeWebSocket.instances).toHaveLength(4);
  });

  it('sends only while open, and closes the socket when stopped', async () => {
    start();
    expect(connection.send({ action: 'ping' })).toBe(false);
    await vi.advanceTimersByTimeAsync(0);
    const socket = FakeWebSocket.latest();
    socket.open();
    expect(connection.send({ action: 'subscribe', execution_id: 1 })).toBe(true);
    expect(socket.sent).toEqual([{ action: 'subscribe', execution_id: 1 }]);

    connection.stop();
    expect(socket.closedWith).toBe(1000);
    expect(connection.getState()).toBe('reconnecting');
    expect(connection.isStarted).toBe(false);
  });
});
