import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import { logLines } from '@/testing/factories';
import { FakeWebSocket } from '@/testing/fake-websocket';
import { createTestLiveClient, createTestQueryClient, renderRoutes } from '@/testing/render';
import type { LogLine } from '@/types/api';

import { LogPanel } from './log-panel';

function renderPanel() {
  const queryClient = createTestQueryClient();
  const live = createTestLiveClient(queryClient, { random: () => 0 });
  return renderRoutes([{ path: '/', element: <LogPanel executionId={42} /> }], { queryClient, live });
}

async function connect() {
  const count = FakeWebSocket.instances.length;
  await waitFor(() => expect(FakeWebSocket.instances.length).toBeGreaterThan(count), { timeout: 3000 });
  act(() => FakeWebSocket.latest().open());
}

function receive(lines: LogLine[]) {
  act(() =>
    FakeWebSocket.latest().receive({
      type: 'task.log',
      execution_id: 42,
      seq: lines.at(-1)?.seq ?? 0,
      lines,
    }),
  );
}

function renderedSeqs(): number[] {
  const rows = screen.getByRole('log').querySelectorAll<HTMLElement>('.log-line');
  return Array.from(rows, (row) => Number(row.dataset.seq));
}

/** jsdom does no layout: give the viewport a scroll box the test controls. */
function fakeScrollBox(element: HTMLElement, size: { scrollHeight: number; clientHeight: number }) {
  let scrollTop = 0;
  Object.defineProperties(element, {
    scrollHeight: { configurable: true, get: () => size.scrollHeight },
    clientHeight: { configurable: true, get: () => size.clientHeight },
    scrollTop: {
      configurable: true,
      get: () => scrollTop,
      set: (value: number) => {
        scrollTop = Math.min(value, size.scrollHeight - size.clientHeight);
      },
    },
  });
  return size;
}

beforeEach(() => {
  FakeWebSocket.reset();
});

describe('LogPanel', () => {
  it('shows the lines with their level and counts them', async () => {
    renderPanel();
    await connect();
    expect(FakeWebSocket.latest().sentActions()).toEqual([
      { action: 'subscribe', execution_id: 42, since_seq: 0 },
    ]);
    receive([
      { seq: 1, ts: '2025-01-16T10:30:00Z', level: 'INFO', message: 'Connecting to vCenter...' },
      { seq: 2, ts: '2025-01-16T10:30:01Z', level: 'WARNING', message: 'Slow datastore' },
      { seq: 3, ts: '2025-01-16T10:30:02Z', level: 'ERROR', message: 'Clone failed' },
    ]);

    const log = screen.getByRole('log');
    expect(within(log).getByText('Slow datastore').closest('.log-line')).toHaveClass('log-warning');
    expect(within(log).getByText('Clone failed').closest('.log-line')).toHaveClass('log-error');
    expect(screen.getByRole('heading', { name: /Logs \(3 lines\)/ })).toBeInTheDocument();
  });

  it('follows new lines, pauses when the user scrolls up and resumes on request', async () => {
    const { user } = renderPanel();
    await connect();
    receive(logLines(1, 3));
    const log = screen.getByRole('log');
    const box = fakeScrollBox(log, { scrollHeight: 1000, clientHeight: 200 });

    receive(logLines(4, 4));
    expect(log.scrollTop).toBe(800);

    log.scrollTop = 300;
    fireEvent.scroll(log);
    expect(screen.getByRole('button', { name: 'Auto-scroll' })).toHaveAttribute('aria-pressed', 'false');

    box.scrollHeight = 1200;
    receive(logLines(5, 6));
    expect(log.scrollTop).toBe(300);
    const resume = screen.getByRole('button', { name: 'Resume auto-scroll (2 new)' });

    await user.click(resume);
    expect(log.scrollTop).toBe(1000);
    expect(screen.queryByRole('button', { name: /Resume auto-scroll/ })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Auto-scroll' })).toHaveAttribute('aria-pressed', 'true');

    // Scrolling back to the bottom by hand resumes too.
    log.scrollTop = 0;
    fireEvent.scroll(log);
    log.scrollTop = 1000;
    fireEvent.scroll(log);
    expect(screen.queryByRole('button', { name: /Resume auto-scroll/ })).not.toBeInTheDocument();
  });

  it('after a reconnect, replays from since_seq with no line missed or doubled', async () => {
    renderPanel();
    await connect();
    receive(logLines(1, 3));
    act(() => FakeWebSocket.latest().serverClose(1006));

    await connect();
    expect(FakeWebSocket.latest().sentActions()).toEqual([
      { action: 'subscribe', execution_id: 42, since_seq: 3 },
    ]);
    receive(logLines(2, 5)); // an overlapping replay
    receive(logLines(5, 6));

    expect(renderedSeqs()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(screen.getByRole('heading', { name: /\(6 lines\)/ })).toBeInTheDocument();
  });

  it('clears the display and keeps receiving new lines only', async () => {
    const { user } = renderPanel();
    await connect();
    receive(logLines(1, 3));

    await user.click(screen.getByRole('button', { name: 'Clear' }));
    expect(screen.getByText('No log lines yet.')).toBeInTheDocument();
    receive(logLines(3, 4));
    expect(renderedSeqs()).toEqual([4]);
  });

  it('copies the lines and downloads them as a .txt file', async () => {
    const { user } = renderPanel();
    await connect();
    receive(logLines(1, 2));

    await user.click(screen.getByRole('button', { name: 'Copy' }));
    await expect(navigator.clipboard.readText()).resolves.toBe(
      '2025-01-16T10:30:00Z [INFO] line 1\n2025-01-16T10:30:00Z [INFO] line 2',
    );
    expect(screen.getByText('Copied to the clipboard.')).toBeInTheDocument();

    const createObjectURL = vi.fn((_blob: Blob) => 'blob:logs');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      expect(this.download).toBe('execution-42-logs.txt');
    });
    await user.click(screen.getByRole('button', { name: 'Download .txt' }));
    expect(click).toHaveBeenCalledTimes(1);
    await expect(createObjectURL.mock.calls[0]?.[0].text()).resolves.toContain('[INFO] line 2');
  });
});
