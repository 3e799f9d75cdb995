import { describe, expect, it } from 'vitest';

import { buildExecution } from '@/testing/factories';
import { createTestQueryClient } from '@/testing/render';
import type { Execution } from '@/types/api';

import { applyExecution } from './cache';
import { executionKeys } from './keys';

const steps = [{ index: 1, name: 'Connect', status: 'done', started_at: null, finished_at: null }];

describe('applyExecution', () => {
  it('keeps what a WebSocket snapshot does not carry, and marks the detail to be read again', () => {
    const queryClient = createTestQueryClient();
    const detail = buildExecution({ id: 7, seq: 3, steps, retries: [], args: ['a'], traceback: 'tb' });
    queryClient.setQueryData(executionKeys.detail(7), detail);

    // A task.status snapshot: the resource without the detail's extra fields.
    const snapshot: Execution = { ...detail, seq: 4, status: 'FAILURE' };
    for (const key of ['steps', 'retries', 'args', 'traceback'] as const) delete snapshot[key];
    applyExecution(queryClient, snapshot);

    const cached = queryClient.getQueryData<Execution>(executionKeys.detail(7));
    expect(cached).toMatchObject({ seq: 4, status: 'FAILURE', steps, retries: [], args: ['a'], traceback: 'tb' });
    expect(queryClient.getQueryState(executionKeys.detail(7))?.isInvalidated).toBe(true);
  });

  it('takes a full detail (a poll) as it is, with nothing to read again', () => {
    const queryClient = createTestQueryClient();
    queryClient.setQueryData(executionKeys.detail(7), buildExecution({ id: 7, seq: 3, steps, retries: [] }));

    applyExecution(queryClient, buildExecution({ id: 7, seq: 4, steps, retries: [9] }));

    expect(queryClient.getQueryData<Execution>(executionKeys.detail(7))?.retries).toEqual([9]);
    expect(queryClient.getQueryState(executionKeys.detail(7))?.isInvalidated).toBe(false);
  });
});
