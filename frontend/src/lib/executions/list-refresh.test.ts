import { QueryObserver, type QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { buildExecution, buildPage } from '@/testing/factories';
import { createTestQueryClient } from '@/testing/render';
import type { Execution, Page } from '@/types/api';

import { executionKeys, type ExecutionListParams } from './keys';
import { ListRefreshBatcher, listCouldInclude, refreshListsWithActiveItems } from './list-refresh';

let queryClient: QueryClient;
let unsubscribes: (() => void)[];

/** An observed list query, answering `results`; returns its fetch count. */
function observeList(params: ExecutionListParams, results: Execution[] = []) {
  const queryFn = vi.fn(() => Promise.resolve(buildPage(results)));
  const observer = new QueryObserver<Page<Execution>>(queryClient, { queryKey: executionKeys.list(params), queryFn });
  unsubscribes.push(observer.subscribe(() => undefined));
  return queryFn;
}

beforeEach(() => {
  vi.useFakeTimers();
  queryClient = createTestQueryClient();
  unsubscribes = [];
});

afterEach(() => {
  for (const unsubscribe of unsubscribes) unsubscribe();
  vi.useRealTimers();
});

describe('listCouldInclude', () => {
  const execution = buildExecution({ status: 'PROGRESS', module: 'deploy', title: 'Deploy web-01', is_active: true });

  it('matches the filters a list was read with', () => {
    expect(listCouldInclude({ page: 1 }, execution)).toBe(true);
    expect(listCouldInclude({ status: 'PROGRESS', module: 'deploy', active: true }, execution)).toBe(true);
    expect(listCouldInclude({ status: 'SUCCESS' }, execution)).toBe(false);
    expect(listCouldInclude({ module: 'edi' }, execution)).toBe(false);
    expect(listCouldInclude({ active: false }, execution)).toBe(false);
  });

  it('keeps children out of a top-level list and in their parent’s', () => {
    const child = { ...execution, parent_id: 7, name: 'edi.import_file' };
    expect(listCouldInclude({ top_level: true }, execution)).toBe(true);
    expect(listCouldInclude({ top_level: true }, child)).toBe(false);
    expect(listCouldInclude({ parent: 7 }, child)).toBe(true);
    expect(listCouldInclude({ parent: 8 }, child)).toBe(false);
    expect(listCouldInclude({ name: 'edi.import_file' }, child)).toBe(true);
    expect(listCouldInclude({ name: 'deploy.deploy_vm' }, child)).toBe(false);
  });

  it('approximates search and the staff user filter', () => {
    expect(listCouldInclude({ search: 'WEB-01' }, execution)).toBe(true);
    expect(listCouldInclude({ search: 'newsletter' }, execution)).toBe(false);
    expect(listCouldInclude({ user: 'ana' }, execution)).toBe(true);
    expect(listCouldInclude({ user: 3 }, execution)).toBe(true);
    expect(listCouldInclude({ user: 'bob' }, execution)).toBe(false);
  });
});

describe('ListRefreshBatcher', () => {
  it('refreshes once per window the lists a burst of new executions could join', async () => {
    const all = observeList({ page: 1 });
    const failed = observeList({ status: 'FAILURE' });
    await vi.advanceTimersByTimeAsync(0);
    const batcher = new ListRefreshBatcher(queryClient, 1000);

    for (let id = 1; id <= 5; id += 1) batcher.add(buildExecution({ id, status: 'PENDING' }));
    await vi.advanceTimersByTimeAsync(999);
    expect(all).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(all).toHaveBeenCalledTimes(2);
    expect(failed).toHaveBeenCalledTimes(1);
  });

  it('refreshes the lists that show a changed execution no longer matching their filters', async () => {
    const running = buildExecution({ id: 7, status: 'PROGRESS', is_active: true });
    const activeList = observeList({ active: true }, [running]);
    const allList = observeList({ page: 1 }, [running]);
    await vi.advanceTimersByTimeAsync(0);
    const batcher = new ListRefreshBatcher(queryClient, 1000);

    batcher.add({ ...running, status: 'SUCCESS', is_active: false });
    await vi.advanceTimersByTimeAsync(1000);
    expect(activeList).toHaveBeenCalledTimes(2);
    expect(allList).toHaveBeenCalledTimes(1);
  });

  it('drops the pending refresh when stopped', async () => {
    const all = observeList({ page: 1 });
    await vi.advanceTimersByTimeAsync(0);
    const batcher = new ListRefreshBatcher(queryClient, 1000);
    batcher.add(buildExecution({ id: 1 }));
    batcher.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(all).toHaveBeenCalledTimes(1);
  });
});

describe('refreshListsWithActiveItems', () => {
  it('re-reads only the lists that show a running execution', async () => {
    const withRunning = observeList({ page: 1 }, [buildExecution({ is_active: true })]);
    const finishedOnly = observeList({ active: false }, [buildExecution({ is_active: false })]);
    await vi.advanceTimersByTimeAsync(0);
    await refreshListsWithActiveItems(queryClient);
    expect(withRunning).toHaveBeenCalledTimes(2);
    expect(finishedOnly).toHaveBeenCalledTimes(1);
  });
});
