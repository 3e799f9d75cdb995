// lib/executions/: what several features need of an execution: cache keys, fetchers, cache
// updates, list refresh, status words, progress hook.

/**
 * How live changes of an execution land in the TanStack Query cache. Every write goes
 * through `seq`: a change is applied only when it is newer than what a cache entry holds,
 * so duplicates and late arrivals (a REST answer overtaken by a WebSocket event) are no-ops.
 */
import type { Query, QueryClient } from '@tanstack/react-query';

import { ACTIVE_STATUSES, type Execution, type ExecutionStatus, type Page } from '@/types/api';

import { executionKeys } from './keys';

/** The fields of a `task.progress` message (API.md). */
export type ProgressChange = {
  execution_id: number;
  seq: number;
  status?: ExecutionStatus;
  progress: number;
  current_step: number;
  total_steps: number;
  message: string;
  total_items?: number;
  processed_items: number;
  failed_items: number;
  eta_seconds: number | null;
};

export function newerOf(cached: Execution | undefined, fetched: Execution): Execution {
  return cached && cached.seq > fetched.seq ? cached : fetched;
}

function withProgress(execution: Execution, change: ProgressChange): Execution {
  const status = change.status ?? execution.status;
  const isActive = ACTIVE_STATUSES.has(status);
  return {
    ...execution,
    status,
    progress: change.progress,
    current_step: change.current_step,
    total_steps: change.total_steps,
    message: change.message,
    total_items: change.total_items ?? execution.total_items,
    processed_items: change.processed_items,
    failed_items: change.failed_items,
    eta_seconds: change.eta_seconds,
    seq: change.seq,
    is_active: isActive,
    can_cancel: execution.can_cancel && isActive,
  };
}

type Updater = (current: Execution) => Execution;

/** Applies `update` to the execution `id` wherever it is cached, if `seq` is newer there. */
function updateEverywhere(queryClient: QueryClient, id: number, seq: number, update: Updater) {
  const detailKey = executionKeys.detail(id);
  const detail = queryClient.getQueryData<Execution>(detailKey);
  if (detail && seq > detail.seq) queryClient.setQueryData(detailKey, update(detail));
  queryClient.setQueriesData<Page<Execution>>({ queryKey: executionKeys.lists() }, (page) => {
    if (!page?.results.some((item) => item.id === id && seq > item.seq)) return page;
    const results = page.results.map((item) =>
      item.id === id && seq > item.seq ? update(item) : item,
    );
    return { ...page, results };
  });
}

/** A full snapshot (`task.status`, or a polled detail). */
export function applyExecution(queryClient: QueryClient, execution: Execution): void {
  // The detail endpoint adds fields a WebSocket snapshot does not carry (arguments, named
  // steps, retries, the staff traceback): what the snapshot lacks is kept until the detail
  // is read again. A snapshot is a status change (or a retry made of it), which may change
  // them: a detail on screen is read again now, one off screen when next shown.
  const detail = queryClient.getQueryData<Execution>(executionKeys.detail(execution.id));
  const lacksDetail = execution.steps === undefined && detail?.steps !== undefined;
  updateEverywhere(queryClient, execution.id, execution.seq, (current) => ({ ...current, ...execution }));
  if (lacksDetail && detail && execution.seq > detail.seq) {
    void queryClient.invalidateQueries({ queryKey: executionKeys.detail(execution.id), exact: true });
  }
}

/** A partial change (`task.progress`). */
export function applyProgress(queryClient: QueryClient, change: ProgressChange): void {
  updateEverywhere(queryClient, change.execution_id, change.seq, (current) =>
    withProgress(current, change),
  );
}

/**
 * A local change known before the server confirms it (a cancel was just asked): applied
 * at the same seq, so the server's next state replaces it.
 */
export function patchExecution(queryClient: QueryClient, id: number, patch: Partial<Execution>) {
  const update = (item: Execution) => (item.id === id ? { ...item, ...patch } : item);
  queryClient.setQueryData<Execution>(executionKeys.detail(id), (current) =>
    current ? update(current) : current,
  );
  queryClient.setQueriesData<Page<Execution>>({ queryKey: executionKeys.lists() }, (page) =>
    page?.results.some((item) => item.id === id)
      ? { ...page, results: page.results.map(update) }
      : page,
  );
}

/** A freshly fetched list page, with any item the cache already knows in a newer state. */
export function mergeNewerIntoPage(queryClient: QueryClient, page: Page<Execution>) {
  const results = page.results.map((item) =>
    newerOf(queryClient.getQueryData<Execution>(executionKeys.detail(item.id)), item),
  );
  return { ...page, results };
}

function listQueries(queryClient: QueryClient, onlyObserved: boolean) {
  return queryClient.getQueryCache().findAll({
    queryKey: executionKeys.lists(),
    ...(onlyObserved ? { type: 'active' as const } : {}),
  }) as Query<Page<Execution>>[];
}

/**
 * Whether any cached list holds the execution. A cached detail does not count: a page that
 * fetched one (the deploy panel) must not keep a new execution out of the task lists.
 */
export function isListed(queryClient: QueryClient, id: number): boolean {
  return listQueries(queryClient, false).some((query) =>
    query.state.data?.results.some((item) => item.id === id),
  );
}

/** Executions on screen (observed queries) that are still running: what polling follows. */
export function observedActiveIds(queryClient: QueryClient): Set<number> {
  const ids = new Set<number>();
  for (const query of listQueries(queryClient, true)) {
    for (const item of query.state.data?.results ?? []) if (item.is_active) ids.add(item.id);
  }
  const details = queryClient
    .getQueryCache()
    .findAll({ queryKey: executionKeys.details(), type: 'active' }) as Query<Execution>[];
  for (const query of details) if (query.state.data?.is_active) ids.add(query.state.data.id);
  return ids;
}
