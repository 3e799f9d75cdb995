import { act, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import { buildExecution } from '@/testing/factories';
import { FakeWebSocket } from '@/testing/fake-websocket';
import { mockFetch } from '@/testing/mock-fetch';
import { createTestLiveClient, createTestQueryClient, renderRoutes } from '@/testing/render';
import type { Execution } from '@/types/api';

import { TaskProgress, type TaskProgressProps } from './task-progress';

const pending = buildExecution({
  id: 42,
  title: 'Send newsletter',
  status: 'PENDING',
  progress: 0,
  current_step: 0,
  total_steps: 0,
  message: '',
  total_items: 100,
  processed_items: 0,
  seq: 1,
  started_at: null,
});

function renderProgress(props: Partial<TaskProgressProps> = {}) {
  mockFetch({ 'GET /api/tasks/executions/42/': { body: pending } });
  const queryClient = createTestQueryClient();
  const live = createTestLiveClient(queryClient);
  return renderRoutes([{ path: '/', element: <TaskProgress executionId={42} {...props} /> }], {
    queryClient,
    live,
  });
}

function send(execution: Execution) {
  act(() =>
    FakeWebSocket.latest().receive({ type: 'task.status', execution_id: execution.id, seq: execution.seq, execution }),
  );
}

beforeEach(() => {
  FakeWebSocket.reset();
});

describe('TaskProgress', () => {
  it('calls onStart once, onProgress per change and onComplete at the end', async () => {
    const callbacks = { onStart: vi.fn(), onProgress: vi.fn(), onComplete: vi.fn(), onError: vi.fn() };
    renderProgress({ title: 'Newsletter', icon: '📊', ...callbacks });
    expect(await screen.findByText('Waiting for a worker…')).toBeInTheDocument();
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    act(() => FakeWebSocket.latest().open());

    const running = { ...pending, status: 'PROGRESS' as const, started_at: '2025-01-16T10:30:01Z' };
    send({ ...running, seq: 2, progress: 10, processed_items: 10, message: 'Sending…' });
    expect(await screen.findByText('Sending…')).toBeInTheDocument();
    send({ ...running, seq: 3, progress: 40, processed_items: 38, failed_items: 2 });
    send({ ...running, seq: 3, progress: 40, processed_items: 38, failed_items: 2 }); // duplicate
    await screen.findByText('40%');
    expect(screen.getByRole('heading', { name: 'Newsletter' })).toBeInTheDocument();
    expect(screen.getByText('Remaining').nextSibling).toHaveTextContent('60');

    send({ ...running, seq: 4, status: 'SUCCESS', progress: 100, processed_items: 100, is_active: false });
    await screen.findByText('Success');

    expect(callbacks.onStart).toHaveBeenCalledTimes(1);
    expect(callbacks.onProgress.mock.calls.map(([execution]) => (execution as Execution).seq)).toEqual([1, 2, 3]);
    expect(callbacks.onComplete).toHaveBeenCalledTimes(1);
    expect(callbacks.onError).not.toHaveBeenCalled();
  });

  it('reports a failure through onError with the task error', async () => {
    const onError = vi.fn();
    renderProgress({ onError });
    await screen.findByText('Pending');
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    act(() => FakeWebSocket.latest().open());
    send({ ...pending, seq: 2, status: 'FAILURE', is_active: false, error: 'SMTP refused' });

    expect(await screen.findByRole('alert')).toHaveTextContent('SMTP refused');
    expect(onError).toHaveBeenCalledTimes(1);
    expect((onError.mock.calls[0]?.[0] as Error).message).toBe('SMTP refused');
  });

  it('hides itself after autoHideDelay once complete, when asked', async () => {
    renderProgress({ autoHideOnComplete: true, autoHideDelay: 50, showDetails: false, showStats: false });
    await screen.findByText('Pending');
    expect(screen.queryByText('Duration')).not.toBeInTheDocument();
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    act(() => FakeWebSocket.latest().open());
    send({ ...pending, seq: 2, status: 'SUCCESS', progress: 100, is_active: false });

    await screen.findByText('Success');
    await waitFor(() => expect(screen.queryByText('Success')).not.toBeInTheDocument());
  });
});
