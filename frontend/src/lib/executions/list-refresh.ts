/**
 * Which execution lists to read again, and when. The live cache updates change the items a
 * list already holds; what they cannot do is add a new execution to the lists it belongs in,
 * or drop one that left a list's filters: those lists are invalidated, in batches, so that a
 * burst of events refetches each list once.
 */
import type { QueryClient } from '@tanstack/react-query';

import type { Execution, Page } from '@/types/api';

import { isListed } from './cache';
import { executionKeys, type ExecutionListParams } from './keys';

/**
 * Collects changed executions and refreshes the lists they concern at most once per
 * `windowMs`: the lists a new execution could join, and the lists a known one left.
 */
export class ListRefreshBatcher {
  private readonly queryClient: QueryClient;
  private readonly windowMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private added: Execution[] = [];
  private changed: Execution[] = [];

  constructor(queryClient: QueryClient, windowMs: number) {
    this.queryClient = queryClient;
    this.windowMs = windowMs;
  }

  /** Notes a new state of an execution (already applied to the cache). */
  add(execution: Execution): void {
    if (isListed(this.queryClient, execution.id)) this.changed.push(execution);
    else this.added.push(execution);
    if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.windowMs);
  }

  /** Cancels the pending refresh; what was noted goes with the next one. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    const { added, changed } = this;
    this.added = [];
    this.changed = [];
    if (added.length) void invalidateListsFor(this.queryClient, added);
    if (changed.length) void invalidateListsExcluding(this.queryClient, changed);
    // A new execution or a new status changes some facet count: read them again, once.
    void this.queryClient.invalidateQueries({ queryKey: executionKeys.counts() });
  }
}

/** Every execution list is read again (on screen now, or when next shown). */
export function refreshAllLists(queryClient: QueryClient) {
  return queryClient.invalidateQueries({ queryKey: executionKeys.lists() });
}

/** The lists showing a running execution are read again (they may have missed a change). */
export function refreshListsWithActiveItems(queryClient: QueryClient) {
  return queryClient.invalidateQueries({
    queryKey: executionKeys.lists(),
    predicate: (query) =>
      (query.state.data as Page<Execution> | undefined)?.results.some((item) => item.is_active) ??
      false,
  });
}

/** Could a list with these filters show this execution? (Search is approximated.) */
export function listCouldInclude(params: ExecutionListParams, execution: Execution): boolean {
  if (params.status && !params.status.split(',').includes(execution.status)) return false;
  if (params.module && params.module !== execution.module) return false;
  if (params.name && params.name !== execution.name) return false;
  if (params.kind && params.kind !== (execution.kind ?? 'celery')) return false;
  if (params.top_level && execution.parent_id !== null) return false;
  if (params.parent !== undefined && params.parent !== execution.parent_id) return false;
  if (params.active !== undefined && params.active !== execution.is_active) return false;
  if (params.user !== undefined && params.user !== '') {
    const user = execution.user;
    if (!user || (String(user.id) !== String(params.user) && user.username !== params.user)) {
      return false;
    }
  }
  if (params.search) {
    const needle = params.search.toLowerCase();
    const haystack = [execution.title, execution.name, execution.message, execution.task_id];
    if (!haystack.some((text) => text.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/** Marks stale (and refetches if on screen) the lists that a new execution could join. */
function invalidateListsFor(queryClient: QueryClient, executions: Execution[]) {
  return queryClient.invalidateQueries({
    queryKey: executionKeys.lists(),
    predicate: (query) => {
      const params = (query.queryKey[2] ?? {}) as ExecutionListParams;
      return executions.some((execution) => listCouldInclude(params, execution));
    },
  });
}

/**
 * After a status change: marks stale the lists that show the execution but whose filters
 * no longer match it (a "running" filter and a task that just finished).
 */
function invalidateListsExcluding(queryClient: QueryClient, executions: Execution[]) {
  return queryClient.invalidateQueries({
    queryKey: executionKeys.lists(),
    predicate: (query) => {
      const params = (query.queryKey[2] ?? {}) as ExecutionListParams;
      const page = query.state.data as Page<Execution> | undefined;
      return executions.some(
        (execution) =>
          page?.results.some((item) => item.id === execution.id) === true &&
          !listCouldInclude(params, execution),
      );
    },
  });
}
